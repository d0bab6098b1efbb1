import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { registry } from '../../checks/index.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { PYTHON_CLIENTS_HERE, parseReport, runCli, stage, tempDir, tempHome } from '../helpers/cli.ts';
import { assertMatchesSchema } from '../helpers/schema.ts';

/** The client checks, which skip (CLIENT_NOT_FOUND) in a HOME without AI clients. */
const NO_CLIENTS = registry.filter((c) => c.id.startsWith('client-')).length;

describe('CI preflight: JSON, JUnit, GitHub annotations and job summary, support report', () => {
  it('writes everything from one run, with the token nowhere', async () => {
    const staged = await stage(scenarioByName('bad-token')!);
    try {
      const dir = tempDir();
      const junit = path.join(dir, 'report.xml');
      const report = path.join(dir, 'eliza.md');
      const summary = path.join(dir, 'step-summary.md');
      writeFileSync(summary, '# earlier step\n');
      const env = {
        ...staged.invocation.env,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
        HTTPS_PROXY: 'http://alice:s3cret-proxy-pw@127.0.0.1:9',
        NO_PROXY: '127.0.0.1,api.eliza.yandex.net',
      };
      const result = await runCli(
        ['--json', '--junit', junit, '--report', report, ...staged.invocation.args],
        {
          env,
          home: staged.home,
        },
      );
      assert.equal(result.code, 1);
      const doc = parseReport(result.stdout);
      assertMatchesSchema(doc);

      assert.match(
        result.stderr,
        /^::error title=eliza-doctor token%3A TOKEN_INVALID::the gateway rejects the token/m,
      );
      const xml = readFileSync(junit, 'utf8');
      // Skipped: the three after the token, and each client check (no AI client in this HOME) but
      // client-python where python3 has libraries it judges.
      const skipped = 3 + NO_CLIENTS - (PYTHON_CLIENTS_HERE.length > 0 ? 1 : 0);
      assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
      assert.match(
        xml,
        new RegExp(
          `<testsuites name="eliza-doctor" tests="${registry.length}" failures="1" errors="0" skipped="${skipped}"`,
        ),
      );
      assert.match(
        xml,
        /<testcase classname="eliza-doctor" name="token: Token and quota" time="[\d.]+">\n\s+<failure type="TOKEN_INVALID"/,
      );
      assert.match(xml, /<skipped message="DEPENDENCY_NOT_MET: token failed"\/>/);

      const md = readFileSync(report, 'utf8');
      assert.match(md, /^# eliza-doctor report/);
      assert.match(md, /\| ELIZA_TOKEN \| set, \d+ characters \(value hidden\) \|/);
      // Markdown escapes the mask's stars: it shows as ***.
      assert.match(md, /\| HTTPS_PROXY \| http:\/\/(\\\*){3}:(\\\*){3}@127\.0\.0\.1:9 \|/);
      assert.match(md, /## Certificate chain the gateway presented/);
      assert.match(md, /### token: fail TOKEN_INVALID/);
      assert.match(md, /timings: connect \d+ ms/);

      const step = readFileSync(summary, 'utf8');
      assert.match(step, /^# earlier step\n## eliza-doctor\n/);
      assert.match(step, /\| token \| ❌ TOKEN_INVALID \|/);

      for (const text of [result.stdout, result.stderr, xml, md, step]) {
        assert.ok(!text.includes(staged.token), 'no token');
        assert.ok(!text.includes('s3cret-proxy-pw'), 'no proxy password');
      }
    } finally {
      await staged.close();
    }
  });

  it('refuses an output path in a folder that does not exist, before running anything', async () => {
    const result = await runCli(['--junit', '/nonexistent/dir/report.xml'], { home: tempHome() });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /--junit \/nonexistent\/dir\/report.xml: the folder \/nonexistent\/dir does not exist/,
    );
  });

  it('--offline runs only what needs no network and says the rest was not checked', async () => {
    const result = await runCli(['--json', '--offline', '--ca-url', 'http://127.0.0.1:9/none.pem'], {
      home: tempHome(),
    });
    const doc = parseReport(result.stdout);
    assertMatchesSchema(doc);
    const byId = Object.fromEntries(doc.checks.map((c) => [c.id, c]));
    for (const id of ['dns', 'tcp', 'tls', 'token', 'models', 'round-trip', 'trust-node']) {
      assert.equal(byId[id]!.code, 'OFFLINE', id);
    }
    assert.equal(byId.environment!.status, 'pass');
    assert.equal(byId['insecure-settings']!.status, 'pass');
    assert.equal(byId['ca-bundle']!.code, 'CA_NOT_FOUND');
    assert.match(byId['ca-bundle']!.summary, /--offline/);
  });

  it('list --long says which checks need the network; completion prints a script', async () => {
    const list = await runCli(['list', '--long'], { home: tempHome() });
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(rows.find((r) => r[0] === 'environment')![2], 'offline');
    assert.equal(rows.find((r) => r[0] === 'tls')![2], 'network');
    const completion = await runCli(['completion'], { home: tempHome() });
    assert.match(completion.stdout, /eliza-doctor/);
    assert.equal(completion.code, 0);
  });
});
