import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimGateway } from '../../src/sim/gateway.ts';
import { startSimProxy } from '../../src/sim/proxy.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import {
  clientPythonExpected,
  closedPort,
  outcomeOf,
  parseReport,
  pki,
  runCli,
  type Staged,
  stage,
} from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;
/** Every check passes; client-python as the python3 here has its libraries. */
const allPass = { ...healthy.expect, 'client-python': clientPythonExpected('pass', {})! };
const toLoopback = (port: number) => () => ({ host: '127.0.0.1', port });

async function run(staged: Staged, extraEnv: Record<string, string>, extraArgs: string[] = []) {
  const result = await runCli(['--json', ...staged.invocation.args, ...extraArgs], {
    env: { ...staged.invocation.env, ...extraEnv },
    home: staged.home,
  });
  const report = parseReport(result.stdout);
  return { result, report, outcomes: Object.fromEntries(report.checks.map((c) => [c.id, outcomeOf(c)])) };
}

describe('behind an HTTP proxy', () => {
  it('a healthy run passes through it, every check', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({ upstream: toLoopback(staged.sim.port) });
    try {
      const { outcomes, report, result } = await run(staged, { HTTPS_PROXY: proxy.url });
      assert.deepEqual(outcomes, allPass);
      assert.equal(result.code, 0);
      assert.ok(proxy.connects.every((c) => c === `api.eliza.yandex.net:${staged.sim.port}`));
      assert.ok(
        proxy.connects.length >= 4,
        `tls, trust probes and the API calls tunnel through it (${proxy.connects.length})`,
      );
      assert.match(
        report.checks.find((c) => c.id === 'dns')!.summary,
        /gateway traffic goes through the proxy http:\/\/127\.0\.0\.1:\d+\/? \(HTTPS_PROXY\)/,
      );
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('NO_PROXY that covers the gateway sends it direct', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({ upstream: toLoopback(staged.sim.port) });
    try {
      const { outcomes } = await run(staged, { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,.yandex.net' });
      assert.deepEqual(outcomes, allPass);
      assert.deepEqual(proxy.connects, []);
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('wants credentials: PROXY_AUTH_REQUIRED; with them in the URL it passes, and the password shows nowhere', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({
      credentials: 'alice:pr0xy-secret',
      upstream: toLoopback(staged.sim.port),
    });
    try {
      const without = await run(staged, { HTTPS_PROXY: proxy.url.replace('alice:pr0xy-secret@', '') });
      assert.equal(without.outcomes.tls, 'PROXY_AUTH_REQUIRED');
      const withCredentials = await run(staged, { HTTPS_PROXY: proxy.url });
      assert.deepEqual(withCredentials.outcomes, allPass);
      assert.ok(
        !withCredentials.result.stdout.includes('pr0xy-secret') &&
          !withCredentials.result.stderr.includes('pr0xy-secret'),
      );
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('refuses to tunnel to the internal gateway: PROXY_NO_PROXY_MISSING, with the NO_PROXY to set', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({ refuse: 403, upstream: toLoopback(staged.sim.port) });
    try {
      const { outcomes, report } = await run(staged, { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost' });
      assert.equal(outcomes.tls, 'PROXY_NO_PROXY_MISSING');
      assert.deepEqual(report.checks.find((c) => c.id === 'tls')!.fix!.commands, [
        'export NO_PROXY=localhost,.yandex.net',
      ]);
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('refuses the tunnel with another status: PROXY_REFUSED, with the NO_PROXY to set', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({ refuse: 400, upstream: toLoopback(staged.sim.port) });
    try {
      const { outcomes, report } = await run(staged, { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost' });
      assert.equal(outcomes.tls, 'PROXY_REFUSED');
      assert.deepEqual(report.checks.find((c) => c.id === 'tls')!.fix!.commands, [
        'export NO_PROXY=localhost,.yandex.net',
      ]);
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('takes the connection and never answers the CONNECT: PROXY_TIMEOUT names the proxy, not TLS', async () => {
    const staged = await stage(healthy);
    const proxy = await startSimProxy({ silent: true, upstream: toLoopback(staged.sim.port) });
    try {
      const { outcomes, report } = await run(staged, { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost' }, [
        '--timeout',
        '1000',
      ]);
      assert.equal(outcomes.tcp, 'pass');
      assert.equal(outcomes.tls, 'PROXY_TIMEOUT');
      assert.deepEqual(report.checks.find((c) => c.id === 'tls')!.fix!.commands, [
        'export NO_PROXY=localhost,.yandex.net',
      ]);
    } finally {
      await proxy.close();
      await staged.close();
    }
  });

  it('a SOCKS proxy in ALL_PROXY warns (curl uses it, Node does not); the direct path is judged and passes', async () => {
    const staged = await stage(healthy);
    try {
      const { outcomes, result } = await run(staged, { ALL_PROXY: 'socks5://127.0.0.1:1' });
      assert.equal(outcomes.environment, 'PROXY_SOCKS');
      assert.equal(outcomes.tls, 'pass');
      assert.equal(outcomes.token, 'pass');
      assert.equal(result.code, 0);
    } finally {
      await staged.close();
    }
  });

  it('is not there: PROXY_UNREACHABLE', async () => {
    const staged = await stage(healthy);
    try {
      const { outcomes } = await run(staged, { HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` });
      assert.equal(outcomes.tcp, 'PROXY_UNREACHABLE');
      assert.equal(outcomes.tls, 'DEPENDENCY_NOT_MET');
    } finally {
      await staged.close();
    }
  });

  it('intercepts TLS with a root of its own: PROXY_INTERCEPTS_TLS', async () => {
    const staged = await stage(healthy);
    const inspector = await startSimGateway({
      pki: pki(),
      token: staged.token,
      behaviour: { cert: 'intercepted' },
    });
    const proxy = await startSimProxy({ upstream: toLoopback(inspector.port) });
    try {
      const { outcomes } = await run(staged, { HTTPS_PROXY: proxy.url });
      assert.equal(outcomes.tls, 'PROXY_INTERCEPTS_TLS');
    } finally {
      await proxy.close();
      await inspector.close();
      await staged.close();
    }
  });

  it('a malformed proxy variable is reported, not crashed on', async () => {
    const staged = await stage(healthy);
    try {
      const { outcomes, result } = await run(staged, { HTTPS_PROXY: 'ftp://nope' });
      assert.equal(outcomes.environment, 'PROXY_INVALID_URL');
      assert.equal(outcomes.tls, 'pass', 'the doctor goes direct');
      assert.equal(result.code, 1);
    } finally {
      await staged.close();
    }
  });
});
