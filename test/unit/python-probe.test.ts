import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { ExecOptions, ExecResult, Host } from '../../src/host.ts';
import { probePythonClients, pythonHandshake } from '../../src/trust/python.ts';
import { fakeHost } from '../helpers/fakes.ts';

const TRUST = {
  version: '3.12.3',
  executable: '/home/u/.pyenv/versions/3.12.3/bin/python3',
  certifi: null,
  requests: null,
  openssl_cafile: null,
  ssl_default: { authorized: true, error: null },
  requests_bundle: null,
  requests_way: null,
};
const CLIENTS = { version: '3.12.3', libraries: { requests: '2.32.3' }, stacks: {}, ways: {} };
const target = { address: '127.0.0.1', port: 443, host: 'api.eliza.yandex.net' };
const options = { timeoutMs: 1000, langchainProxy: false };

/** The job a python3 child was given on stdin; null: nothing to do. */
function jobOf(input: string): { parts: string[]; langchain: boolean } | null {
  return input.trim() ? JSON.parse(input) : null;
}

/** A python3 that answers the parts its job on stdin asks for, streaming or not. */
function pythonHost(stream: boolean): {
  host: Host;
  runs: { input: string; env: Record<string, unknown> }[];
} {
  const runs: { input: string; env: Record<string, unknown> }[] = [];
  const host = fakeHost({ PATH: '/usr/bin' });
  host.exec = async (_file: string, _args: string[], opts: ExecOptions): Promise<ExecResult> => {
    const input = await opts.input!;
    runs.push({ input, env: opts.env });
    const wanted = jobOf(input)?.parts ?? [];
    const lines = [
      ...(wanted.includes('trust') ? [`trust ${JSON.stringify(TRUST)}`] : []),
      ...(wanted.includes('clients') ? [`clients ${JSON.stringify(CLIENTS)}`] : []),
    ];
    if (stream) for (const line of lines) opts.onLine?.(line);
    return { code: 0, stdout: `${lines.join('\n')}\n`, stderr: '', timedOut: false, error: null };
  };
  return { host, runs };
}

describe('one python3 child for both Python checks', () => {
  for (const stream of [true, false]) {
    it(`answers trust-python and client-python from one child (${stream ? 'streamed' : 'at its end'})`, async () => {
      const { host, runs } = pythonHost(stream);
      const [trust, clients] = await Promise.all([
        pythonHandshake(host, 'python3', host.env, target, 1000),
        probePythonClients(host, 'python3', host.env, target, options),
      ]);
      assert.equal(runs.length, 1);
      assert.deepEqual(JSON.parse(runs[0]!.input), {
        timeout: 1,
        port: 443,
        serverName: 'api.eliza.yandex.net',
        gatewayPort: null,
        proxyAuth: null,
        address: '127.0.0.1',
        parts: ['trust', 'clients'],
        langchain: false,
      });
      assert.ok(runs[0]!.input.endsWith('}\n'), 'one line');
      assert.ok(!('error' in trust) && trust.sslDefault.authorized === true);
      assert.equal(trust.executable, TRUST.executable);
      assert.ok(!('error' in clients) && clients.libraries.requests === '2.32.3');
    });
  }

  it('a part asked for once the child has been told its parts gets a child of its own', async () => {
    const { host, runs } = pythonHost(true);
    const trust = await pythonHandshake(host, 'python3', host.env, target, 1000);
    const clients = await probePythonClients(host, 'python3', host.env, target, options);
    assert.equal(runs.length, 2);
    assert.deepEqual(
      runs.map((r) => jobOf(r.input)?.parts),
      [['trust'], ['clients']],
    );
    assert.ok(!('error' in trust) && !('error' in clients));
  });

  it('another environment (a new terminal that differs) is another child', async () => {
    const { host, runs } = pythonHost(true);
    await Promise.all([
      pythonHandshake(host, 'python3', host.env, target, 1000),
      pythonHandshake(host, 'python3', { ...host.env, SSL_CERT_FILE: '/x.pem' }, target, 1000),
    ]);
    assert.equal(runs.length, 2);
  });

  it('no address (tcp broke): the child is told so and both parts fail, never hang', async () => {
    const { host, runs } = pythonHost(true);
    const noAddress = { ...target, address: Promise.reject(new Error('tcp broke')) };
    const [trust, clients] = await Promise.all([
      pythonHandshake(host, 'python3', host.env, noAddress, 1000),
      probePythonClients(host, 'python3', host.env, noAddress, options),
    ]);
    assert.equal(runs[0]!.input, '\n');
    assert.equal(jobOf(runs[0]!.input), null);
    assert.ok('error' in trust && 'error' in clients);
  });

  it('a part that raised says so, and client-python says whether langchain goes through a proxy', async () => {
    const inputs: string[] = [];
    const host = fakeHost({ PATH: '/usr/bin' });
    host.exec = async (_file, _args, opts) => {
      inputs.push(await opts.input!);
      opts.onLine?.('trust {"error": "ImportError: no module named ssl"}');
      opts.onLine?.(`clients ${JSON.stringify(CLIENTS)}`);
      return { code: 0, stdout: '', stderr: '', timedOut: false, error: null };
    };
    const [trust, clients] = await Promise.all([
      pythonHandshake(host, 'python3', host.env, target, 1000),
      probePythonClients(host, 'python3', host.env, target, { ...options, langchainProxy: true }),
    ]);
    assert.deepEqual(trust, { error: 'python3 failed in the trust probe: ImportError: no module named ssl' });
    assert.ok(!('error' in clients));
    assert.equal(jobOf(inputs[0]!)?.langchain, true);
  });

  it('starts python3 with what picks it and the CA variables; a proxy credential goes in the job', async () => {
    const { host, runs } = pythonHost(true);
    const env = { ...host.env, SSL_CERT_FILE: '/x.pem', PYENV_VERSION: '3.12.3', ELIZA_TOKEN: 'y0_secret' };
    const via = { ...target, gatewayPort: 443, proxyAuthorization: 'Basic dTpw' };
    await pythonHandshake(host, 'python3', env, via, 1000);
    assert.deepEqual(runs[0]!.env, { PATH: '/usr/bin', PYENV_VERSION: '3.12.3', SSL_CERT_FILE: '/x.pem' });
    assert.equal(JSON.parse(runs[0]!.input).proxyAuth, 'Basic dTpw');
    assert.ok(!runs[0]!.input.includes('y0_secret'));
  });

  it('an interrupted check starts no child', async () => {
    const { host, runs } = pythonHost(true);
    const answer = await pythonHandshake(host, 'python3', host.env, target, 1000, AbortSignal.abort());
    assert.deepEqual(answer, { error: 'not run: interrupted' });
    assert.equal(runs.length, 0);
  });

  it('a child that answers nonsense fails both parts with what it printed on stderr', async () => {
    const host = fakeHost({ PATH: '/usr/bin' });
    host.exec = async () => ({
      code: 1,
      stdout: 'Traceback (most recent call last):\n',
      stderr: 'ImportError: bad\n',
      timedOut: false,
      error: null,
    });
    const [trust, clients] = await Promise.all([
      pythonHandshake(host, 'python3', host.env, target, 1000),
      probePythonClients(host, 'python3', host.env, target, options),
    ]);
    assert.deepEqual(trust, { error: 'python3 failed: ImportError: bad' });
    assert.deepEqual(clients, { error: 'python3 failed: ImportError: bad' });
  });

  it('the real driver runs each part in a thread and prints each answer as a line of its own', (t) => {
    if (spawnSync('python3', ['-c', '0']).status !== 0) return t.skip('no python3 here');
    // Nothing listens on port 9 of loopback: each part's handshake fails to connect, and says so.
    return runDriver().then(({ trust, clients }) => {
      assert.ok(!('error' in trust), JSON.stringify(trust));
      assert.equal(trust.sslDefault.authorized, null);
      // The interpreter that ran says where it is (behind a pyenv shim: the version's own).
      assert.ok(trust.executable && !trust.executable.includes('/shims/'), String(trust.executable));
      assert.ok(!('error' in clients), JSON.stringify(clients));
    });
  });
});

async function runDriver() {
  const { realHost } = await import('../../src/host.ts');
  const host = realHost({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' });
  const closed = { address: '127.0.0.1', port: 9, host: 'api.eliza.yandex.net' };
  const python = spawnSync('sh', ['-c', 'command -v python3']).stdout.toString().trim();
  const [trust, clients] = await Promise.all([
    pythonHandshake(host, python, host.env, closed, 1000),
    probePythonClients(host, python, host.env, closed, options),
  ]);
  return { trust, clients } as {
    trust: Exclude<typeof trust, { error: string }>;
    clients: Exclude<typeof clients, { error: string }>;
  };
}
