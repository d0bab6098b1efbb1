import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseContinueConfig } from '../../src/clients/continue.ts';
import { SIM_HOST, scenarioByName } from '../../src/sim/scenarios.ts';
import {
  type JsonCheck,
  outcomeOf,
  parseReport,
  runCli,
  type Staged,
  snapshot,
  stage,
} from '../helpers/cli.ts';

/** A handshake and a stream per client on a machine shared with other test files: room for both. */
const ROOM = ['--timeout', '15000'];
/** Events spaced wider than a loaded machine bunches them: judgeClient's stream is asked once. */
const SPACED = { stream: { gapMs: 80, thinkMs: 0, fault: 'none' as const } };

/** A Continue config as people write it: comments, a model of another provider, ours pointed at the sim. */
function writeContinue(staged: Staged, over: { apiKey?: string; options?: string[] } = {}): string {
  const port = staged.sim.port;
  const file = path.join(staged.home, '.continue', 'config.yaml');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    [
      '# Continue config, edited by hand',
      'name: Local Assistant',
      'version: 1.0.0',
      'schema: v1',
      'models:',
      '  - name: Local',
      '    provider: ollama',
      '    model: llama3 # on my laptop',
      '  - name: Eliza',
      '    provider: openai',
      '    model: gpt-5-mini',
      `    apiBase: https://${SIM_HOST}:${port}/raw/openai/v1`,
      `    apiKey: ${over.apiKey ?? staged.token}`,
      ...(over.options ? ['    requestOptions:', ...over.options.map((l) => `      ${l}`)] : []),
      '',
    ].join('\n'),
  );
  return file;
}

async function vscodeCheck(staged: Staged, env: Record<string, string> = staged.invocation.env) {
  const result = await runCli(['check', '--json', ...staged.invocation.args, ...ROOM], {
    env,
    home: staged.home,
  });
  const check = parseReport(result.stdout).checks.find((c) => c.id === 'client-vscode') as JsonCheck;
  return { result, check };
}

describe('client-vscode against the loopback gateway', () => {
  it('not installed: CLIENT_NOT_FOUND; an untrusted Continue: CLIENT_UNTRUSTED, no key in any output', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const none = await vscodeCheck(staged);
      assert.equal(outcomeOf(none.check), 'CLIENT_NOT_FOUND');
      const key = 'y0_continuekey_0123456789abcdef';
      writeContinue(staged, { apiKey: key, options: [`caBundlePath: ${staged.home}/missing.pem`] });
      const { result, check } = await vscodeCheck(staged);
      assert.equal(outcomeOf(check), 'CLIENT_UNTRUSTED');
      const text = await runCli(['check', ...staged.invocation.args, ...ROOM], {
        env: staged.invocation.env,
        home: staged.home,
      });
      for (const out of [result.stdout, result.stderr, text.stdout, text.stderr]) {
        assert.ok(!out.includes(key), 'the Continue key is never printed');
        assert.ok(!out.includes(staged.token), 'the token is never printed');
      }
    } finally {
      await staged.close();
    }
  });

  it('a rejected key is CLIENT_KEY_REJECTED and the key stays hidden', async () => {
    const staged = await stage(scenarioByName('healthy')!);
    try {
      const key = 'y0_wrongcontinue_abcdef0123456789';
      writeContinue(staged, { apiKey: key });
      const { result, check } = await vscodeCheck(staged);
      assert.equal(outcomeOf(check), 'CLIENT_KEY_REJECTED');
      assert.ok(!result.stdout.includes(key) && !result.stderr.includes(key));
    } finally {
      await staged.close();
    }
  });

  it('fix --dry-run shows the config.yaml diff; fix --yes makes Continue pass; --undo restores every byte', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!, SPACED);
    try {
      const file = writeContinue(staged, { options: ['verifySsl: false'] });
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const before = snapshot(staged.home);
      assert.equal(outcomeOf((await vscodeCheck(staged)).check), 'INSECURE_CONTINUE_VERIFY_SSL');

      const dry = await runCli(['fix', '--dry-run', ...staged.invocation.args, ...ROOM], {
        env,
        home: staged.home,
      });
      assert.equal(dry.code, 0, dry.stdout + dry.stderr);
      assert.match(dry.stdout, /\+\+\+ b.*\.continue\/config\.yaml/);
      assert.match(dry.stdout, /^\s+\+\s+caBundlePath: /m);
      assert.match(dry.stdout, /^\s+-\s+verifySsl: false/m);
      assert.deepEqual(snapshot(staged.home), before, 'a dry run changes nothing');

      const fixed = await runCli(['fix', '--yes', ...staged.invocation.args, ...ROOM], {
        env,
        home: staged.home,
      });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^# Continue config, edited by hand$/m);
      assert.match(text, /# on my laptop/);
      const parsed = parseContinueConfig(text, file);
      assert.ok(parsed.ok);
      const eliza = parsed.models.find((m) => m.name === 'Eliza')!;
      assert.equal(eliza.verifyOff, null);
      assert.equal(eliza.caBundlePaths.length, 1);
      // The file it names is the CA fix installed: Continue now verifies and trusts the gateway,
      // without the shell's variables (a GUI-started VS Code does not have them).
      const { NODE_EXTRA_CA_CERTS: _, ...noExtra } = staged.invocation.env;
      const after = (await vscodeCheck(staged, noExtra)).check;
      // Trusted through caBundlePath; the stream's own verdict is the stream check's business
      // (a loaded machine can bunch the sim's events).
      assert.match(String(after.data.trustedVia), /caBundlePath/, after.summary);
      assert.ok(
        !String(after.code).startsWith('CLIENT_') && !String(after.code).startsWith('INSECURE'),
        after.summary,
      );

      const undone = await runCli(['fix', '--undo'], { env, home: staged.home });
      assert.equal(undone.code, 0, undone.stdout + undone.stderr);
      assert.deepEqual(snapshot(staged.home), before, '--undo restores every byte');
    } finally {
      await staged.close();
    }
  });

  it('a config.yaml Continue cannot parse is CLIENT_CONFIG_INVALID and fix leaves it alone', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const file = path.join(staged.home, '.continue', 'config.yaml');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'models:\n  - name: "Eliza\n    apiBase: x\n');
      assert.equal(outcomeOf((await vscodeCheck(staged)).check), 'CLIENT_CONFIG_INVALID');
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      await runCli(['fix', '--yes', ...staged.invocation.args, ...ROOM], { env, home: staged.home });
      assert.equal(readFileSync(file, 'utf8'), 'models:\n  - name: "Eliza\n    apiBase: x\n');
    } finally {
      await staged.close();
    }
  });
});
