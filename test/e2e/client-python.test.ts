import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import { SIM_HOST, scenarioByName } from '../../src/sim/scenarios.ts';
import { type JsonCheck, parseReport, pki, runCli, type Staged, stage } from '../helpers/cli.ts';

/**
 * A python3 on PATH that answers client-python's part of the probe with `answer` (text: printed as
 * it is), whatever it is asked.
 */
function stubPython(home: string, answer: unknown): string {
  const bin = path.join(home, 'stub-bin');
  mkdirSync(bin, { recursive: true });
  const file = path.join(bin, 'answer.json');
  writeFileSync(file, typeof answer === 'string' ? answer : `clients ${JSON.stringify(answer)}\n`);
  writeFileSync(path.join(bin, 'python3'), `#!/bin/sh\nexec cat '${file}'\n`);
  chmodSync(path.join(bin, 'python3'), 0o755);
  return bin;
}

/** The shells the new-terminal probe asks, and nothing else of the machine's. */
const SYSTEM_PATH = '/usr/bin:/bin';

async function clientPython(
  scenario: string,
  prepare: (staged: Staged, env: Record<string, string>) => Record<string, string>,
): Promise<{ check: JsonCheck; stdout: string; staged: Staged }> {
  const staged = await stage(scenarioByName(scenario)!);
  try {
    const env = prepare(staged, { ...staged.invocation.env, SHELL: '/bin/bash' });
    const result = await runCli(['--json', '--only', 'client-python', ...staged.invocation.args], {
      env,
      home: staged.home,
    });
    const everything = result.stdout + result.stderr;
    assert.ok(!everything.includes(staged.token), 'the token is never printed');
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']) {
      if (env[name]) assert.ok(!everything.includes(env[name]), `${name} is never printed`);
    }
    const check = parseReport(result.stdout).checks.find((c) => c.id === 'client-python');
    assert.ok(check, result.stderr);
    return { check, stdout: result.stdout, staged };
  } finally {
    await staged.close();
  }
}

function gatewayUrl(staged: Staged, scheme = 'https'): string {
  const port = staged.invocation.args[staged.invocation.args.indexOf('--resolve') + 1]!.split(':')[1];
  return `${scheme}://${SIM_HOST}:${port}`;
}

const trusted = { authorized: true, error: null, strictOnly: false };
const rejected = { authorized: false, error: 'unable to get local issuer certificate', strictOnly: false };

/** A probe answer where each way's CAs are the file given. */
function answer(
  libraries: Record<string, string>,
  ways: Record<string, object>,
  stacks: Record<string, string> = {},
) {
  return { version: '3.12.3', libraries, stacks, ways };
}

describe('client-python, with a stub python3', () => {
  it('skips with CLIENT_NOT_FOUND where there is no python3', async () => {
    const { check } = await clientPython('healthy', (staged, env) => ({
      ...env,
      PATH: path.join(staged.home, 'no-programs-here'),
    }));
    assert.equal(check.status, 'skip');
    assert.equal(check.code, 'CLIENT_NOT_FOUND');
  });

  it('skips with CLIENT_NOT_FOUND when python3 has none of the libraries', async () => {
    const { check } = await clientPython('healthy', (staged, env) => ({
      ...env,
      PATH: `${stubPython(staged.home, answer({ certifi: '2026.1.1' }, {}))}:${SYSTEM_PATH}`,
    }));
    assert.equal(check.status, 'skip');
    assert.equal(check.code, 'CLIENT_NOT_FOUND');
  });

  it('fails with CLIENT_PYTHON_PROBE_FAILED when python3 answers nonsense', async () => {
    const { check } = await clientPython('healthy', (staged, env) => ({
      ...env,
      PATH: `${stubPython(staged.home, 'Traceback (most recent call last):')}:${SYSTEM_PATH}`,
    }));
    assert.equal(check.code, 'CLIENT_PYTHON_PROBE_FAILED');
  });

  it('passes when every installed library trusts the gateway', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const file = { kind: 'file', path: env.SSL_CERT_FILE, variable: 'SSL_CERT_FILE' };
      const probe = answer(
        { requests: '2.32.3', httpx2: '2.13.1', openai: '3.22.1' },
        {
          requests: {
            kind: 'file',
            path: env.REQUESTS_CA_BUNDLE,
            variable: 'REQUESTS_CA_BUNDLE',
            ...trusted,
          },
          httpx2: { ...file, ...trusted },
        },
        { openai: 'httpx2' },
      );
      return { ...env, PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}` };
    });
    assert.equal(check.status, 'pass', check.summary);
  });

  it('fails with CLIENT_UNTRUSTED naming the libraries that fail, with the fix that installs the CA', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const probe = answer(
        { requests: '2.32.3', httpx: '0.28.1', anthropic: '0.121.0' },
        {
          requests: {
            kind: 'file',
            path: env.REQUESTS_CA_BUNDLE,
            variable: 'REQUESTS_CA_BUNDLE',
            ...trusted,
          },
          httpx: { kind: 'certifi', path: '/site/certifi/cacert.pem', ...rejected },
        },
        { anthropic: 'httpx' },
      );
      return { ...env, PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}` };
    });
    assert.equal(check.code, 'CLIENT_UNTRUSTED');
    const libraries = check.data.libraries as { library: string; authorized: boolean }[];
    assert.deepEqual(
      libraries.map((l) => [l.library, l.authorized]),
      [
        ['requests', true],
        ['httpx', false],
        ['anthropic', false],
      ],
    );
    assert.equal(check.fix?.automated, true);
  });

  it('a bundle variable naming no file: CLIENT_CA_UNREADABLE', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const probe = answer(
        { requests: '2.32.3' },
        {
          requests: {
            kind: 'file',
            path: '/nonexistent.pem',
            variable: 'REQUESTS_CA_BUNDLE',
            authorized: false,
            error:
              'bundle: Could not find a suitable TLS CA certificate bundle, invalid path: /nonexistent.pem',
            strictOnly: false,
          },
        },
      );
      return { ...env, PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}` };
    });
    assert.equal(check.code, 'CLIENT_CA_UNREADABLE');
  });

  it('tells a CA that fails only under Python 3.13 strict X.509 apart, with no fix that writes files', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const probe = answer(
        { httpx: '0.28.1' },
        {
          httpx: {
            kind: 'file',
            path: env.SSL_CERT_FILE,
            variable: 'SSL_CERT_FILE',
            authorized: false,
            error: 'Basic Constraints of CA cert not marked critical',
            strictOnly: true,
          },
        },
      );
      return { ...env, PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}` };
    });
    assert.equal(check.code, 'CLIENT_PYTHON_STRICT_X509');
    assert.equal(check.fix?.automated, false);
  });
});

describe('client-python: an SDK pointed at Eliza, judged with its own trust', () => {
  const openai3 = (env: Record<string, string>, authorized = trusted) =>
    answer(
      { openai: '3.22.1', httpx2: '2.13.1' },
      { httpx2: { kind: 'file', path: env.SSL_CERT_FILE, variable: 'SSL_CERT_FILE', ...authorized } },
      { openai: 'httpx2' },
    );
  const withOpenai = (baseUrl: (staged: Staged) => string, key?: (staged: Staged) => string) =>
    clientPython('healthy', (staged, env) => ({
      ...env,
      PATH: `${stubPython(staged.home, openai3(env))}:${SYSTEM_PATH}`,
      OPENAI_BASE_URL: baseUrl(staged),
      OPENAI_API_KEY: key ? key(staged) : staged.token,
    }));

  it('passes: the right route, the key as Bearer, one streamed chat completion', async () => {
    const { check } = await withOpenai((s) => `${gatewayUrl(s)}/raw/openai/v1`);
    assert.equal(check.status, 'pass', `${check.code} ${check.summary}`);
  });

  it('an http:// base URL: CLIENT_BASE_URL_HTTP', async () => {
    const { check } = await withOpenai((s) => `${gatewayUrl(s, 'http')}/raw/openai/v1`);
    assert.equal(check.code, 'CLIENT_BASE_URL_HTTP');
  });

  it('a base URL without /raw: CLIENT_BASE_URL_NOT_RAW', async () => {
    const { check } = await withOpenai((s) => `${gatewayUrl(s)}/openai/v1`);
    assert.equal(check.code, 'CLIENT_BASE_URL_NOT_RAW');
  });

  it('a base URL with no path: CLIENT_WRONG_ROUTE', async () => {
    const { check } = await withOpenai((s) => gatewayUrl(s));
    assert.equal(check.code, 'CLIENT_WRONG_ROUTE');
  });

  it('a wrong key: CLIENT_KEY_REJECTED, and the key is never printed', async () => {
    const { check } = await withOpenai(
      (s) => `${gatewayUrl(s)}/raw/openai/v1`,
      (s) => `y0_wrong${s.token.slice(8)}`,
    );
    assert.equal(check.code, 'CLIENT_KEY_REJECTED');
  });

  it('no key at all: CLIENT_KEY_MISSING', async () => {
    const { check } = await clientPython('healthy', (staged, env) => ({
      ...env,
      PATH: `${stubPython(staged.home, openai3(env))}:${SYSTEM_PATH}`,
      OPENAI_BASE_URL: `${gatewayUrl(staged)}/raw/openai/v1`,
    }));
    assert.equal(check.code, 'CLIENT_KEY_MISSING');
  });

  it('the anthropic SDK with ANTHROPIC_AUTH_TOKEN (Bearer) on /raw/anthropic', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const probe = answer(
        { anthropic: '1.13.0', httpx2: '2.13.1' },
        { httpx2: { kind: 'file', path: env.SSL_CERT_FILE, variable: 'SSL_CERT_FILE', ...trusted } },
        { anthropic: 'httpx2' },
      );
      return {
        ...env,
        PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}`,
        ANTHROPIC_BASE_URL: `${gatewayUrl(staged)}/raw/anthropic`,
        ANTHROPIC_AUTH_TOKEN: staged.token,
      };
    });
    assert.equal(check.status, 'pass', `${check.code} ${check.summary}`);
  });

  it('an SDK whose trust lacks the CA: CLIENT_UNTRUSTED even with the right URL and key', async () => {
    const { check } = await clientPython('healthy', (staged, env) => {
      const probe = answer(
        { openai: '2.54.0', httpx: '0.28.1' },
        { httpx: { kind: 'file', path: path.join(staged.home, 'public-only.pem'), ...rejected } },
        { openai: 'httpx' },
      );
      writeFileSync(path.join(staged.home, 'public-only.pem'), rootCertificates.join('\n'));
      return {
        ...env,
        PATH: `${stubPython(staged.home, probe)}:${SYSTEM_PATH}`,
        OPENAI_BASE_URL: `${gatewayUrl(staged)}/raw/openai/v1`,
        OPENAI_API_KEY: staged.token,
      };
    });
    assert.equal(check.code, 'CLIENT_UNTRUSTED');
  });
});

/** The machine's real interpreter, when it has one (pyenv shims need their own HOME: resolve them). */
function realPython(): { executable: string; libraries: string[] } | null {
  const found = spawnSync(
    'python3',
    [
      '-c',
      'import sys, importlib.metadata as m\nprint(sys.executable)\nfor n in ["requests","httpx","httpx2","aiohttp","openai","anthropic","litellm","langchain-openai","aider-chat"]:\n  try: m.version(n); print(n)\n  except Exception: pass',
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (found.status !== 0) return null;
  const [executable, ...libraries] = found.stdout.trim().split('\n');
  return executable ? { executable, libraries } : null;
}

describe('client-python with the real python3 on this machine', () => {
  const python = realPython();
  const withReal = (staged: Staged) => {
    const bin = path.join(staged.home, 'real-bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(python!.executable, path.join(bin, 'python3'));
    return `${bin}:${SYSTEM_PATH}`;
  };

  it('judges every library it has, or says there is none', async (t) => {
    if (!python) return t.skip('no python3 here');
    const { check } = await clientPython('healthy', (staged, env) => ({ ...env, PATH: withReal(staged) }));
    if (python.libraries.length === 0) {
      assert.equal(check.code, 'CLIENT_NOT_FOUND');
      return;
    }
    // The scenario's REQUESTS_CA_BUNDLE and SSL_CERT_FILE name the merged bundle: every way trusts it
    // but the OS store (httpx2, aiohttp without SSL_CERT_FILE do not apply: it is set).
    assert.equal(check.status, 'pass', `${check.code} ${check.summary}`);
    const judged = (check.data.libraries as { library: string }[]).map((l) => l.library);
    for (const library of python.libraries) assert.ok(judged.includes(library), library);
  });

  it('without the CA anywhere, each library it has fails: CLIENT_UNTRUSTED', async (t) => {
    if (!python) return t.skip('no python3 here');
    const { check } = await clientPython('untrusted-ca', (staged, env) => ({
      ...env,
      PATH: withReal(staged),
    }));
    if (python.libraries.length === 0) {
      assert.equal(check.code, 'CLIENT_NOT_FOUND');
      return;
    }
    assert.equal(check.code, 'CLIENT_UNTRUSTED');
    assert.ok((check.data.libraries as { authorized: boolean }[]).every((l) => l.authorized === false));
  });

  it('with the bundle only in REQUESTS_CA_BUNDLE, requests works and the certifi ways do not', async (t) => {
    if (!python?.libraries.includes('requests')) return t.skip('no requests in python3 here');
    const { check } = await clientPython('untrusted-ca', (staged, env) => {
      const merged = path.join(staged.home, 'merged.pem');
      writeFileSync(merged, `${rootCertificates.join('\n')}\n${pki().bundlePem}`);
      return { ...env, PATH: withReal(staged), REQUESTS_CA_BUNDLE: merged };
    });
    const requests = (check.data.libraries as { library: string; authorized: boolean }[]).find(
      (l) => l.library === 'requests',
    );
    assert.equal(requests?.authorized, true);
    const others = python.libraries.filter((l) => l !== 'requests');
    assert.equal(check.code, others.length === 0 ? null : 'CLIENT_UNTRUSTED');
  });
});

describe('client-python and fix', () => {
  it('a library that only SSL_CERT_FILE cures: fix writes it for client-python alone, and re-checks it', async () => {
    const staged = await stage(scenarioByName('healthy')!);
    try {
      const home = staged.home;
      const bin = path.join(home, 'stub-bin');
      mkdirSync(bin);
      // trust-python's part is answered "trusted"; this check's part depends on SSL_CERT_FILE,
      // as httpx's certifi way does: only the merged bundle in SSL_CERT_FILE makes it trust.
      const httpx = (authorized: object, source: object) =>
        JSON.stringify(answer({ httpx: '0.28.1' }, { httpx: { ...source, ...authorized } }));
      writeFileSync(
        path.join(bin, 'untrusted.json'),
        httpx(rejected, { kind: 'certifi', path: '/site/cacert.pem' }),
      );
      writeFileSync(
        path.join(bin, 'trusted.json'),
        httpx(trusted, {
          kind: 'file',
          path: staged.invocation.env.SSL_CERT_FILE,
          variable: 'SSL_CERT_FILE',
        }),
      );
      writeFileSync(
        path.join(bin, 'trust-python.json'),
        JSON.stringify({
          version: '3.12.3',
          certifi: null,
          requests: null,
          openssl_cafile: null,
          ssl_default: { authorized: true, error: null },
          requests_bundle: null,
          requests_way: null,
        }),
      );
      writeFileSync(
        path.join(bin, 'python3'),
        `#!/bin/sh\nprintf 'trust '; cat '${bin}/trust-python.json'; echo\nprintf 'clients '\nif [ -f "$SSL_CERT_FILE" ]; then cat '${bin}/trusted.json'; else cat '${bin}/untrusted.json'; fi\n`,
      );
      chmodSync(path.join(bin, 'python3'), 0o755);
      // The scenario trusts the gateway everywhere but in SSL_CERT_FILE.
      const env: Record<string, string> = {
        ...staged.invocation.env,
        SHELL: '/bin/bash',
        PATH: `${bin}:${process.env.PATH ?? SYSTEM_PATH}`,
      };
      delete env.SSL_CERT_FILE;
      const before = parseReport(
        (
          await runCli(['--json', '--only', 'trust-python,client-python', ...staged.invocation.args], {
            env,
            home,
          })
        ).stdout,
      );
      assert.deepEqual(
        before.checks.map((c) => [c.id, c.status === 'pass' ? 'pass' : c.code]),
        [
          ['trust-python', 'pass'],
          ['client-python', 'CLIENT_UNTRUSTED'],
        ],
      );
      const fixed = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      assert.ok(!fixed.stdout.includes(staged.token) && !fixed.stderr.includes(staged.token));
      const merged = path.join(home, '.local', 'share', 'eliza-doctor', 'ca-bundle-with-internal.pem');
      assert.ok(existsSync(merged), 'the merged bundle is written');
      assert.match(
        readFileSync(path.join(home, '.bashrc'), 'utf8'),
        /export SSL_CERT_FILE=.*ca-bundle-with-internal\.pem/,
      );
      const after = parseReport(
        (
          await runCli(['--json', '--only', 'client-python', ...staged.invocation.args], {
            env: { ...env, SSL_CERT_FILE: merged },
            home,
          })
        ).stdout,
      );
      assert.equal(after.checks[0]?.status, 'pass', after.checks[0]?.summary);
    } finally {
      await staged.close();
    }
  });
});
