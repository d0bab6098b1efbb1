import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { outcomeOf, parseReport, runCli, type Staged, snapshot, stage, tempDir } from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;

/** The doctor's environment for these runs: the scenario's, with the Claude variables given and PATH controlled. */
function envFor(staged: Staged, extra: Record<string, string>, bin?: string): Record<string, string> {
  const env: Record<string, string> = { ...staged.invocation.env, SHELL: '/bin/bash', ...extra };
  if (bin) env.PATH = `${bin}:${process.env.PATH}`;
  return env;
}

function claudeResult(stdout: string) {
  const report = parseReport(stdout);
  return report.checks.find((c) => c.id === 'client-claude-code')!;
}

function settingsFile(home: string): string {
  return path.join(home, '.claude', 'settings.json');
}

/** A `claude` on PATH that is only a stub: "installed" without the real client. */
function claudeStub(): string {
  const bin = path.join(tempDir(), 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'claude'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(bin, 'claude'), 0o755);
  return bin;
}

describe('client-claude-code, the built CLI against the loopback gateway', () => {
  it('not found, installed elsewhere, pointed at Eliza by its settings, and never a key in any output', async () => {
    const staged = await stage(healthy);
    try {
      const { home, token } = staged;
      const only = ['--json', '--only', 'client-claude-code', ...staged.invocation.args];
      const notFound = await runCli(only, { env: envFor(staged, {}), home });
      assert.equal(outcomeOf(claudeResult(notFound.stdout)), 'CLIENT_NOT_FOUND');

      const elsewhere = await runCli(only, { env: envFor(staged, {}, claudeStub()), home });
      assert.equal(outcomeOf(claudeResult(elsewhere.stdout)), 'CLIENT_NOT_ELIZA');

      const port = staged.sim.port;
      mkdirSync(path.join(home, '.claude'));
      writeFileSync(
        settingsFile(home),
        `${JSON.stringify(
          {
            env: {
              ANTHROPIC_BASE_URL: `https://api.eliza.yandex.net:${port}/raw/anthropic`,
              ANTHROPIC_AUTH_TOKEN: token,
              ANTHROPIC_MODEL: 'claude-sonnet-4-5',
            },
          },
          null,
          2,
        )}\n`,
      );
      const pointed = await runCli(only, { env: envFor(staged, {}), home });
      const check = claudeResult(pointed.stdout);
      assert.equal(outcomeOf(check), 'pass', check.summary);
      assert.ok(check.data.trustedVia);
      const text = await runCli(['--only', 'client-claude-code', ...staged.invocation.args], {
        env: envFor(staged, {}),
        home,
      });
      for (const output of [notFound, elsewhere, pointed, text].flatMap((r) => [r.stdout, r.stderr])) {
        assert.ok(!output.includes(token), 'the key never appears in any output');
      }
    } finally {
      await staged.close();
    }
  });

  it('fix --dry-run shows the settings diff, fix --yes makes it pass, --undo restores every byte', async () => {
    const staged = await stage(healthy);
    try {
      const { home, token } = staged;
      const port = staged.sim.port;
      mkdirSync(path.join(home, '.claude'));
      // The wrapped route, and a CA the client cannot load with the OS store switched off: two
      // things wrong. The key lives in the file already: fix leaves it there, and shows it nowhere.
      const original =
        '{\n  "model": "claude-sonnet-4-5",\n  "env": {\n' +
        `    "ANTHROPIC_BASE_URL": "https://api.eliza.yandex.net:${port}/anthropic",\n` +
        `    "ANTHROPIC_AUTH_TOKEN": "${token}",\n` +
        '    "NODE_EXTRA_CA_CERTS": "/nonexistent/ca.pem",\n' +
        '    "CLAUDE_CODE_CERT_STORE": "bundled"\n' +
        '  },\n  "permissions": { "allow": ["Bash(ls:*)"] }\n}\n';
      writeFileSync(settingsFile(home), original);
      const env = envFor(staged, {});
      const before = snapshot(home);

      const broken = await runCli(['--json', ...staged.invocation.args], { env, home });
      const check = claudeResult(broken.stdout);
      assert.equal(outcomeOf(check), 'CLIENT_BASE_URL_NOT_RAW');
      assert.equal(check.fix?.automated, true);

      const dry = await runCli(['fix', '--dry-run', ...staged.invocation.args], { env, home });
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      assert.match(dry.stdout, /^ {4}-\s+"ANTHROPIC_BASE_URL": ".*:\d+\/anthropic",$/m);
      assert.match(dry.stdout, /^ {4}\+\s+"ANTHROPIC_BASE_URL": ".*\/raw\/anthropic",$/m);
      assert.match(dry.stdout, /^ {4}\+\s+"NODE_EXTRA_CA_CERTS": ".*eliza-doctor.*"/m);
      assert.deepEqual(snapshot(home), before, '--dry-run changes nothing');

      const fixed = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      const after = JSON.parse(readFileSync(settingsFile(home), 'utf8'));
      assert.equal(after.env.ANTHROPIC_BASE_URL, `https://api.eliza.yandex.net:${port}/raw/anthropic`);
      assert.equal(after.env.ANTHROPIC_AUTH_TOKEN, token, 'the key stays where the user keeps it');
      assert.deepEqual(after.permissions, { allow: ['Bash(ls:*)'] });
      const again = claudeResult((await runCli(['--json', ...staged.invocation.args], { env, home })).stdout);
      assert.equal(outcomeOf(again), 'pass', again.summary);

      const undone = await runCli(['fix', '--undo'], { env, home });
      assert.equal(undone.code, 0, undone.stdout + undone.stderr);
      assert.deepEqual(snapshot(home), before, '--undo restores every byte and removes what fix created');
      for (const output of [broken, dry, fixed, undone].flatMap((r) => [r.stdout, r.stderr])) {
        assert.ok(!output.includes(token), 'the key never appears in any output');
      }
    } finally {
      await staged.close();
    }
  });

  it('fix --yes with the key in the environment: the re-check sees it, and the fix holds', async () => {
    const staged = await stage(healthy);
    try {
      const { home, token } = staged;
      const port = staged.sim.port;
      mkdirSync(path.join(home, '.claude'));
      writeFileSync(
        settingsFile(home),
        `{"env": {"ANTHROPIC_BASE_URL": "https://api.eliza.yandex.net:${port}", "ANTHROPIC_MODEL": "claude-sonnet-4-5"}}\n`,
      );
      const env = envFor(staged, { ANTHROPIC_AUTH_TOKEN: token });
      const fixed = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      const after = JSON.parse(readFileSync(settingsFile(home), 'utf8'));
      assert.deepEqual(Object.keys(after.env), ['ANTHROPIC_BASE_URL', 'ANTHROPIC_MODEL']);
      assert.ok(!fixed.stdout.includes(token) && !fixed.stderr.includes(token));
    } finally {
      await staged.close();
    }
  });

  it('fix refuses a settings file that is not JSON and leaves it as it was', async () => {
    const staged = await stage(healthy);
    try {
      const { home } = staged;
      mkdirSync(path.join(home, '.claude'));
      const broken = '{\n  // my notes\n  "env": {}\n}\n';
      writeFileSync(settingsFile(home), broken);
      const env = envFor(staged, {});
      const report = await runCli(['--json', ...staged.invocation.args], { env, home });
      assert.equal(outcomeOf(claudeResult(report.stdout)), 'CLIENT_CONFIG_INVALID');
      await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(readFileSync(settingsFile(home), 'utf8'), broken);
    } finally {
      await staged.close();
    }
  });
});
