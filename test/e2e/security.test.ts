import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { closedPort, runCli, stage, tempDir } from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;

/** Every output of a run: stdout, stderr, and the files it was asked to write. */
async function everyOutput(args: string[], env: Record<string, string>, home: string): Promise<string> {
  const out = tempDir();
  const summary = path.join(out, 'summary.md');
  writeFileSync(summary, '');
  const result = await runCli(
    [...args, '--report', path.join(out, 'r.md'), '--junit', path.join(out, 'j.xml')],
    { env: { ...env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }, home },
  );
  const json = await runCli(['--json', ...args], { env, home });
  return [
    result.stdout,
    result.stderr,
    json.stdout,
    json.stderr,
    ...['r.md', 'j.xml', 'summary.md'].map((f) => readFileSync(path.join(out, f), 'utf8')),
  ].join('\n');
}

describe('credentials in URLs never show', () => {
  it('a proxy URL without a scheme, an SDK base URL with ?key=, a --ca-url with a password', async () => {
    const staged = await stage(healthy);
    try {
      const port = await closedPort();
      const env = {
        ...staged.invocation.env,
        HTTPS_PROXY: `alice:Pr0xyPass@127.0.0.1:${port}`,
        OPENAI_BASE_URL: 'https://api.eliza.yandex.net/raw/openai/v1?key=SdkKey123',
      };
      const args = [...staged.invocation.args];
      const caUrl = args.indexOf('--ca-url') + 1;
      args[caUrl] = args[caUrl]!.replace('http://', 'http://bob:CaPass99@');
      const text = await everyOutput(args, env, staged.home);
      for (const secret of ['Pr0xyPass', 'SdkKey123', 'CaPass99']) assert.ok(!text.includes(secret), secret);
    } finally {
      await staged.close();
    }
  });

  it('an invalid ELIZA_BASE_URL is rejected without quoting its password', async () => {
    const result = await runCli([], { env: { ELIZA_BASE_URL: 'ftp://u:Hunter2Pass@host' }, home: tempDir() });
    assert.equal(result.code, 2);
    assert.ok(!`${result.stdout}${result.stderr}`.includes('Hunter2Pass'));
  });
});

describe('the token, in every escaping', () => {
  it('a token with quotes and ampersands is hidden in JSON, XML and Markdown too', async () => {
    const staged = await stage(healthy);
    try {
      const token = 'y0_"quoted"&<amp>|pipe%';
      const text = await everyOutput(
        ['--only', 'token', ...staged.invocation.args],
        // A forced crash puts the token into a message, which every format then escapes its own way.
        { ...staged.invocation.env, ELIZA_TOKEN: token, ELIZA_DOCTOR_CRASH_CHECK: 'token' },
        staged.home,
      );
      assert.match(text, /CHECK_CRASHED/);
      for (const form of [token, JSON.stringify(token).slice(1, -1), 'y0_&quot;quoted&quot;&amp;']) {
        assert.ok(!text.includes(form), form);
      }
    } finally {
      await staged.close();
    }
  });

  it('a short token is hidden where it stands as a word', async () => {
    const staged = await stage(healthy);
    try {
      const result = await runCli(['--json', '--only', 'token', ...staged.invocation.args], {
        env: { ...staged.invocation.env, ELIZA_TOKEN: 'zq9', ELIZA_DOCTOR_CRASH_CHECK: 'token' },
        home: staged.home,
      });
      assert.match(result.stdout, /token was \[redacted\]/);
    } finally {
      await staged.close();
    }
  });
});

describe('foreign text is shown, never obeyed', () => {
  it("escape sequences and Markdown in the gateway's error reach neither the terminal nor the report", async () => {
    const body = JSON.stringify({
      error: '\u001b[2J\u001b[31mFAKE <script>x</script> **bold** [link](http://x)',
    });
    const staged = await stage(healthy, {
      faults: { quota: { kind: 'status', status: 401, body } },
    });
    try {
      const out = tempDir();
      const result = await runCli([...staged.invocation.args, '--report', path.join(out, 'r.md')], {
        env: staged.invocation.env,
        home: staged.home,
      });
      assert.match(result.stdout, /TOKEN_INVALID/);
      assert.ok(!result.stdout.includes('\u001b[2J'), 'the screen-clearing sequence reached the terminal');
      assert.match(result.stdout, /␛\[2J/);
      const report = readFileSync(path.join(out, 'r.md'), 'utf8');
      assert.ok(!report.includes('<script>'));
      assert.ok(!report.includes('**bold**'));
      assert.match(report, /&lt;script&gt;/);
    } finally {
      await staged.close();
    }
  });
});

describe('secrets in startup files stay out of fix --dry-run', () => {
  it('the diff context masks the values of keys and tokens', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const rc = path.join(staged.home, '.bashrc');
      mkdirSync(staged.home, { recursive: true });
      writeFileSync(
        rc,
        'export OPENAI_API_KEY=sk-DryRunSecret1\nexport ANTHROPIC_AUTH_TOKEN="AuthTokenSecret2"\nalias ll="ls -l"\n',
      );
      const result = await runCli(['fix', '--dry-run', ...staged.invocation.args], {
        env: { ...staged.invocation.env, SHELL: '/bin/bash' },
        home: staged.home,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /OPENAI_API_KEY=\[redacted\]/);
      for (const secret of ['DryRunSecret1', 'AuthTokenSecret2']) assert.ok(!result.stdout.includes(secret));
    } finally {
      await staged.close();
    }
  });
});

describe('--help', () => {
  it('steers away from a token on the command line', async () => {
    const result = await runCli(['--help'], { home: tempDir() });
    assert.match(result.stdout, /--token-file/);
    assert.match(result.stdout, /prefer\s+--token-file/);
  });
});
