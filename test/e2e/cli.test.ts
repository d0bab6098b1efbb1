import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { registry } from '../../checks/index.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { blackholePort } from '../helpers/blackhole.ts';
import {
  CONTRACT_IDS,
  closedPort,
  outcomeOf,
  PYTHON_CLIENTS_HERE,
  parseReport,
  pki,
  ROOT,
  runCli,
  stage,
  tempDir,
  tempHome,
  WITH_CLIENT_PYTHON,
} from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;

describe('usage errors: exit 2, one line on stderr, no stack trace', () => {
  const cases: [string, string[], Record<string, string>?][] = [
    ['an unknown flag', ['--frobnicate']],
    ['an unknown command', ['frobnicate']],
    ['a malformed --resolve', ['--resolve', 'api.eliza.yandex.net:443']],
    ['a --resolve with a bad address', ['--resolve', 'api.eliza.yandex.net:443:999.1.1.1']],
    ['a malformed --base-url', ['--base-url', 'not a url']],
    ['an empty --base-url', ['--base-url', '']],
    ['a --timeout that is not a number', ['--timeout', 'soon']],
    ['a --timeout out of range', ['--timeout', '0']],
    ['a malformed --ca-sha256', ['--ca-sha256', 'abc']],
    ['an unknown check id in --only', ['--only', 'dns,telepathy']],
    ['an unknown check id in --skip', ['--skip', 'nope']],
    ['an empty --only', ['--only', ',']],
    ['--only and --skip leaving nothing', ['--only', 'dns', '--skip', 'dns']],
    ['a repeated --timeout', ['--timeout', '1000', '--timeout', '2000']],
    ['a missing --token-file', ['--token-file', '/nonexistent/token']],
    ['a missing --ca-file', ['--ca-file', '/nonexistent/ca.pem']],
    ['a bad ELIZA_BASE_URL', [], { ELIZA_BASE_URL: 'ftp://x' }],
    ['an unknown demo scenario', ['demo', '--scenario', 'nope']],
    ['a demo --rtt that is not a number', ['demo', '--rtt', 'far']],
  ];
  for (const [what, args, env] of cases) {
    it(what, async () => {
      const result = await runCli(args, { home: tempHome(), ...(env ? { env } : {}) });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.match(result.stderr, /^eliza-doctor: .+\nRun eliza-doctor --help for usage\.\n$/);
    });
  }
});

describe('the simple commands', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const result = await runCli(['--version'], { home: tempHome() });
    assert.equal(result.stdout.trim(), version);
  });
  it('list prints <id><TAB><title> for every check, in order', async () => {
    const result = await runCli(['list'], { home: tempHome() });
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(result.code, 0);
    assert.deepEqual(
      rows.map((r) => r[0]),
      CONTRACT_IDS,
    );
    assert.ok(rows.every((r) => r.length === 2 && r[1]!.length > 0));
  });
  it('--help lists the demo scenarios under demo', async () => {
    const result = await runCli(['demo', '--help'], { home: tempHome() });
    assert.match(result.stdout, /untrusted-ca/);
    assert.match(result.stdout, /intercepted/);
  });
});

describe('against the loopback gateway', () => {
  it('text mode: a live line per check, each problem with its fix, one cure said once, one verdict, no token', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const result = await runCli(staged.invocation.args, { env: staged.invocation.env, home: staged.home });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /✖ Node\.js trust TRUST_NODE_CA_NOT_SET/);
      // One cause (the CA missing, fetched over http) is one problem with one cure, said once.
      assert.match(
        result.stdout,
        new RegExp(`✖ ca-bundle, trust-node, trust-python, trust-system${WITH_CLIENT_PYTHON}: one cause`),
      );
      assert.match(result.stdout, /Fix: install the verified internal CA/);
      assert.equal(result.stdout.match(/\$ node \S*cli\.js fix /g)?.length, 1, result.stdout);
      assert.match(
        result.stdout,
        new RegExp(`✖ 1 problem: ca-bundle and ${WITH_CLIENT_PYTHON ? 4 : 3} more \\(one cause\\)`),
      );
      assert.ok(!result.stdout.includes(staged.token) && !result.stderr.includes(staged.token));
    } finally {
      await staged.close();
    }
  });

  it('--only reports just those checks, running their prerequisites quietly', async () => {
    const staged = await stage(healthy);
    try {
      const result = await runCli(['--json', '--only', 'round-trip,tls', ...staged.invocation.args], {
        env: staged.invocation.env,
        home: staged.home,
      });
      const report = parseReport(result.stdout);
      assert.deepEqual(
        report.checks.map((c) => c.id),
        ['tls', 'round-trip'],
      );
      assert.deepEqual(report.checks.map(outcomeOf), ['pass', 'pass']);
      assert.equal(result.code, 0);
    } finally {
      await staged.close();
    }
  });

  it('--skip leaves a check out; --strict makes a warning fail', async () => {
    const staged = await stage(scenarioByName('expiring-soon')!);
    try {
      const base = { env: staged.invocation.env, home: staged.home };
      const lenient = await runCli(['--json', '--skip', 'environment', ...staged.invocation.args], base);
      const report = parseReport(lenient.stdout);
      assert.ok(!report.checks.some((c) => c.id === 'environment'));
      assert.equal(lenient.code, 0);
      assert.equal(report.ok, true);
      const strict = await runCli(['--json', '--strict', ...staged.invocation.args], base);
      assert.equal(strict.code, 1);
      assert.equal(parseReport(strict.stdout).ok, false);
    } finally {
      await staged.close();
    }
  });

  it('the JSON document has the contract shape', async () => {
    const staged = await stage(healthy);
    try {
      const result = await runCli(['--json', ...staged.invocation.args], {
        env: staged.invocation.env,
        home: staged.home,
      });
      const doc = JSON.parse(result.stdout);
      assert.equal(doc.schemaVersion, 1);
      assert.deepEqual(doc.tool, { name: 'eliza-doctor', version: '0.1.0' });
      assert.equal(doc.target.host, 'api.eliza.yandex.net');
      assert.equal(doc.target.port, staged.sim.port);
      assert.ok(!Number.isNaN(Date.parse(doc.startedAt)));
      assert.equal(typeof doc.durationMs, 'number');
      // The scenario's HOME has no AI client: each client check skips with CLIENT_NOT_FOUND, but
      // client-python, which judges this machine's python3 libraries when it has any.
      const clients = registry.filter((c) => c.id.startsWith('client-')).length;
      const skipped = clients - (PYTHON_CLIENTS_HERE.length > 0 ? 1 : 0);
      assert.deepEqual(doc.summary, { pass: registry.length - skipped, warn: 0, fail: 0, skip: skipped });
      for (const c of doc.checks) {
        assert.deepEqual(Object.keys(c).sort(), [
          'code',
          'data',
          'details',
          'durationMs',
          'fix',
          'id',
          'status',
          'summary',
          'title',
        ]);
      }
      const tls = doc.checks.find((c: { id: string }) => c.id === 'tls');
      assert.equal(tls.data.presented.length, 2);
      assert.equal(tls.data.path.at(-1).sha256, pki().root.cert.fingerprint256);
    } finally {
      await staged.close();
    }
  });

  it('sends Authorization: OAuth <token> and Ya-Pool, and the SDK route is /raw', async () => {
    const staged = await stage(healthy);
    try {
      await runCli(['--json', '--pool', 'team-pool', ...staged.invocation.args], {
        env: staged.invocation.env,
        home: staged.home,
      });
      const quota = staged.sim.requests.find((r) => r.path === '/quota')!;
      assert.equal(quota.headers.authorization, `OAuth ${staged.token}`);
      assert.equal(quota.headers['ya-pool'], 'team-pool');
      assert.ok(
        staged.sim.requests.some((r) => r.method === 'POST' && r.path === '/raw/openai/v1/chat/completions'),
      );
    } finally {
      await staged.close();
    }
  });

  it('a token given with --token-file works, and never shows', async () => {
    const staged = await stage(scenarioByName('no-token')!);
    try {
      const file = path.join(tempDir(), 'token');
      writeFileSync(file, `${staged.token}\n`);
      const result = await runCli(['--json', '--token-file', file, ...staged.invocation.args], {
        env: staged.invocation.env,
        home: staged.home,
      });
      const report = parseReport(result.stdout);
      assert.equal(outcomeOf(report.checks.find((c) => c.id === 'token')!), 'pass');
      assert.ok(!result.stdout.includes(staged.token));
    } finally {
      await staged.close();
    }
  });
});

describe('bounded whatever fails: the run ends within about twice --timeout', () => {
  const timeout = 1000;
  // Generous on purpose: this catches hangs, it does not measure speed (npm run bench does).
  const bound = 2 * timeout + 4000;

  it('nothing listening', async () => {
    const port = await closedPort();
    const result = await runCli(
      [
        '--json',
        '--timeout',
        String(timeout),
        '--base-url',
        `https://api.eliza.yandex.net:${port}`,
        '--resolve',
        `api.eliza.yandex.net:${port}:127.0.0.1`,
        '--ca-url',
        `http://127.0.0.1:${port}/allCAs.pem`,
      ],
      { home: tempHome(), env: { ELIZA_TOKEN: 'y0_some_token_for_the_bound_test' } },
    );
    const report = parseReport(result.stdout);
    assert.equal(outcomeOf(report.checks.find((c) => c.id === 'tcp')!), 'TCP_REFUSED');
    assert.equal(result.code, 1);
    assert.ok(result.ms < bound, `took ${result.ms} ms`);
  });

  it('a black-holed port', async (t) => {
    const hole = await blackholePort();
    if (!hole) return t.skip('python3 is not available to hold a black-holed port');
    try {
      const result = await runCli(
        [
          '--json',
          '--timeout',
          String(timeout),
          '--base-url',
          `http://api.eliza.yandex.net:${hole.port}`,
          '--resolve',
          `api.eliza.yandex.net:${hole.port}:127.0.0.1`,
          '--ca-url',
          `http://127.0.0.1:${hole.port}/allCAs.pem`,
        ],
        { home: tempHome(), env: { ELIZA_TOKEN: 'y0_some_token_for_the_bound_test' } },
      );
      const report = parseReport(result.stdout);
      const got = Object.fromEntries(report.checks.map((c) => [c.id, outcomeOf(c)]));
      assert.equal(got.tcp, 'TCP_TIMEOUT');
      assert.equal(got.scheme, 'SCHEME_HTTP');
      assert.equal(got['ca-bundle'], 'CA_UNREACHABLE');
      assert.equal(got.tls, 'DEPENDENCY_NOT_MET');
      assert.ok(result.ms < bound, `took ${result.ms} ms`);
    } finally {
      hole.close();
    }
  });
});

/** Every check passes, but an AI client check, which skips: no client on the demo's machine. */
function passesOrNoClient(c: { id: string; status: string; code: string | null }): boolean {
  return c.status === 'pass' || (c.id.startsWith('client-') && c.code === 'CLIENT_NOT_FOUND');
}

describe('demo', () => {
  it('runs the healthy scenario end to end and exits 0', async () => {
    const result = await runCli(['demo', '--json'], { home: tempHome() });
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.ok(report.checks.every(passesOrNoClient));
  });
  it('shows a failure scenario with exit code 1', async () => {
    const result = await runCli(['demo', '--scenario', 'bad-token'], { home: tempHome() });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /TOKEN_INVALID/);
    assert.match(result.stderr, /scenario "bad-token"/);
  });
  it('--rtt 60 puts the gateway 60 ms away and the healthy scenario still passes', async () => {
    const result = await runCli(['demo', '--json', '--rtt', '60'], { home: tempHome() });
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.ok(report.checks.every(passesOrNoClient));
    // Proof the relay is in the path: a request cannot answer sooner than one round trip.
    const roundTrip = report.checks.find((c) => c.id === 'round-trip')!;
    const timings = (roundTrip.data as { timings: { ttfbMs: number } }).timings;
    assert.ok(timings.ttfbMs >= 55, `first byte after ${timings.ttfbMs} ms`);
  });
});
