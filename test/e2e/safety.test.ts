import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SeenRequest } from '../../src/sim/gateway.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { CLI, parseReport, runCli, stage, tempDir } from '../helpers/cli.ts';

/** Every file under the folders, with its text: the token must be in none of them. */
function filesUnder(...dirs: string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (s?.isDirectory()) walk(p);
      else if (s?.isFile()) files.set(p, readFileSync(p, 'latin1'));
    }
  };
  for (const d of dirs) walk(d);
  return files;
}

describe('the token never shows: every command, every output, every file written', () => {
  it('check, --json, --report, --junit, GitHub output, fix, --dry-run, --undo, env, demo, usage errors, crashes', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const secret = staged.token;
      const out = tempDir();
      const files = filesUnder.bind(null, staged.home, out);
      const base = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const summary = path.join(out, 'summary.md');
      writeFileSync(summary, '');
      // Input, not output: outside the folders searched.
      const tokenFile = path.join(tempDir(), 'token');
      writeFileSync(tokenFile, `  ${secret}\n`);
      const runs: [string, string[], Record<string, string>][] = [
        ['text', staged.invocation.args, base],
        [
          'json + report + junit + github',
          [
            '--json',
            '--report',
            path.join(out, 'r.md'),
            '--junit',
            path.join(out, 'j.xml'),
            ...staged.invocation.args,
          ],
          { ...base, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
        ],
        ['token in --token, rejected (401)', ['--token', `${secret}x`, ...staged.invocation.args], base],
        ['token from --token-file', ['--json', '--token-file', tokenFile, ...staged.invocation.args], base],
        [
          'padded in SOY_TOKEN',
          staged.invocation.args,
          { ...base, ELIZA_TOKEN: '', SOY_TOKEN: ` OAuth ${secret}\n` },
        ],
        [
          'several variables',
          staged.invocation.args,
          { ...base, SOY_TOKEN: `${secret}-other`, ELIZA_OAUTH_TOKEN: secret },
        ],
        [
          'a crash in token',
          ['--json', ...staged.invocation.args],
          { ...base, ELIZA_DOCTOR_CRASH_CHECK: 'token' },
        ],
        [
          'a crash in environment, text',
          staged.invocation.args,
          { ...base, ELIZA_DOCTOR_CRASH_CHECK: 'environment' },
        ],
        ['usage error with --token', ['--token', secret, '--timeout', 'soon'], base],
        ['unknown flag with --token', ['--token', secret, '--frobnicate'], base],
        ['fix --dry-run', ['fix', '--dry-run', ...staged.invocation.args], base],
        ['fix --yes', ['fix', '--yes', ...staged.invocation.args], base],
        ['fix again', ['fix', '--yes', ...staged.invocation.args], base],
        ['env', ['env'], base],
        ['fix --undo', ['fix', '--undo'], base],
        ['demo', ['demo', '--scenario', 'bad-token'], base],
      ];
      let crashes = 0;
      for (const [what, args, env] of runs) {
        const result = await runCli(args, { env, home: staged.home });
        assert.ok(!result.stdout.includes(secret), `${what}: stdout shows the token`);
        assert.ok(!result.stderr.includes(secret), `${what}: stderr shows the token`);
        if (/CHECK_CRASHED/.test(result.stdout)) {
          crashes++;
          assert.match(result.stdout, /token was \[redacted\]/, `${what}: the crash message is redacted`);
        }
        for (const [file, text] of files())
          assert.ok(!text.includes(secret), `${what}: ${file} holds the token`);
      }
      assert.equal(crashes, 2, 'both forced crashes were reported');
      assert.match(readFileSync(path.join(out, 'r.md'), 'utf8'), /ELIZA_TOKEN \| set, \d+ characters/);
    } finally {
      await staged.close();
    }
  });
});

describe('Ctrl-C', () => {
  it('ends a run promptly with a partial report and exit code 130', async () => {
    const staged = await stage(scenarioByName('healthy')!, { faults: { quota: { kind: 'stall-headers' } } });
    try {
      const started = Date.now();
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [CLI, '--json', '--timeout', '20000', ...staged.invocation.args],
          {
            env: { PATH: process.env.PATH, HOME: staged.home, ...staged.invocation.env },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout += d;
        });
        // Interrupted once the token check's request is at the (stalling) gateway: mid-run for sure.
        staged.sim.events.on('request', (seen: SeenRequest) => {
          if (seen.path === '/quota') child.kill('SIGINT');
        });
        child.once('close', (code) => resolve({ code, stdout }));
      });
      const elapsed = Date.now() - started;
      assert.equal(result.code, 130);
      assert.ok(elapsed < 6000, `took ${elapsed} ms after a 20 s timeout`);
      const report = parseReport(result.stdout);
      const check = (id: string) => report.checks.find((c) => c.id === id)!;
      assert.equal(check('tcp').status, 'pass', 'what finished is still reported');
      // The token's request goes out while the tls check may still be judging the chain: the
      // interruption is reported once, where it struck.
      const tls = check('tls');
      if (tls.status === 'pass') {
        assert.equal(check('token').code, 'INTERRUPTED');
      } else {
        assert.equal(tls.code, 'INTERRUPTED');
        assert.equal(check('token').code, 'DEPENDENCY_NOT_MET');
        assert.match(check('token').summary, /tls was interrupted/);
      }
    } finally {
      await staged.close();
    }
  });
});
