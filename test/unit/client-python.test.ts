import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonProbeEnv } from '../../src/child-env.ts';
import { libraryVerdicts, pythonSdkConfigs, wayOf } from '../../src/clients/python.ts';
import { parsePythonClientsProbe } from '../../src/clients/python-probe.ts';
import { pythonSetupText } from '../../src/clients/python-setup.ts';

const certifi = { kind: 'certifi', path: '/site/certifi/cacert.pem' };
const os = { kind: 'os', path: '/usr/lib/ssl/cert.pem' };
const trusted = { authorized: true, error: null, strictOnly: false };
const rejected = { authorized: false, error: 'unable to get local issuer certificate', strictOnly: false };

function probe(o: Record<string, unknown>) {
  const parsed = parsePythonClientsProbe(JSON.stringify({ version: '3.12.3', stacks: {}, ...o }));
  assert.ok(parsed);
  return parsed;
}

describe('the python client probe answer', () => {
  it('refuses what is not the probe: never a crash', () => {
    for (const text of ['', 'Traceback (most recent call last):', '[]', '{"version": 3}', '{"version":"3"}'])
      assert.equal(parsePythonClientsProbe(text), null, text);
  });

  it('drops ways of an unknown shape', () => {
    const parsed = parsePythonClientsProbe(
      JSON.stringify({
        version: '3.13.1',
        libraries: { requests: '2.32.3', odd: 5 },
        stacks: { openai: 'httpx2', anthropic: 'curl' },
        ways: { requests: { ...certifi, ...trusted }, httpx: { kind: 'nonsense' } },
      }),
    );
    assert.deepEqual(parsed?.libraries, { requests: '2.32.3' });
    assert.deepEqual(parsed?.stacks, { openai: 'httpx2' });
    assert.deepEqual(Object.keys(parsed?.ways ?? {}), ['requests']);
  });

  it('gives the child what picks python3 and the CA variables only: no key, no token, no proxy', () => {
    const env = pythonProbeEnv({
      PATH: '/usr/bin',
      HOME: '/home/u',
      PYENV_VERSION: '3.12.3',
      SSL_CERT_FILE: '/b.pem',
      SSL_VERIFY: '/c.pem',
      OPENAI_API_KEY: 'sk-secret',
      ANTHROPIC_AUTH_TOKEN: 'tok',
      ELIZA_TOKEN: 'y0_x',
      HTTPS_PROXY: 'http://p:3128',
    });
    assert.deepEqual(Object.keys(env).sort(), [
      'HOME',
      'PATH',
      'PYENV_VERSION',
      'SSL_CERT_FILE',
      'SSL_VERIFY',
    ]);
  });
});

describe('which way each library verifies', () => {
  const stacks = { openai: 'httpx2' as const, anthropic: 'httpx' as const };
  const libraries = { openai: '3.22.1', anthropic: '0.121.0' };
  it('follows the HTTP library each SDK version declares', () => {
    assert.equal(wayOf('openai', { stacks, libraries }, {}), 'httpx2');
    assert.equal(wayOf('anthropic', { stacks, libraries }, {}), 'httpx');
    assert.equal(wayOf('aider-chat', { stacks, libraries }, {}), 'litellm');
    assert.equal(wayOf('aiohttp', { stacks, libraries }, {}), 'ssl');
  });
  it('langchain-openai: the openai SDK, but certifi alone under OPENAI_PROXY', () => {
    assert.equal(wayOf('langchain-openai', { stacks, libraries }, {}), 'httpx2');
    assert.equal(wayOf('langchain-openai', { stacks, libraries }, { OPENAI_PROXY: 'http://p:1' }), 'certifi');
  });
});

describe('library verdicts', () => {
  it('names each installed library with its own trust; CA sources are not clients', () => {
    const verdicts = libraryVerdicts(
      probe({
        libraries: {
          requests: '2.32.3',
          certifi: '2026.1.1',
          httpx2: '2.13.1',
          truststore: '0.10',
          openai: '3.3.1',
          anthropic: '0.121.0',
          httpx: '0.28.1',
        },
        stacks: { openai: 'httpx2', anthropic: 'httpx' },
        ways: {
          requests: { ...certifi, ...trusted },
          httpx: { ...certifi, ...rejected },
          httpx2: { ...os, ...trusted },
        },
      }),
      {},
    );
    assert.deepEqual(
      verdicts.map((v) => [v.library, v.way, v.trust, v.authorized]),
      [
        ['requests', 'requests', 'certifi', true],
        ['httpx', 'httpx', 'certifi', false],
        ['httpx2', 'httpx2', 'OS store', true],
        ['openai', 'httpx2', 'OS store', true],
        ['anthropic', 'httpx', 'certifi', false],
      ],
    );
  });

  it('names the variable that chose the bundle', () => {
    const [v] = libraryVerdicts(
      probe({
        libraries: { requests: '2.32.3' },
        ways: { requests: { kind: 'file', path: '/x.pem', variable: 'REQUESTS_CA_BUNDLE', ...trusted } },
      }),
      {},
    );
    assert.equal(v?.trust, 'REQUESTS_CA_BUNDLE');
  });
});

describe('the SDKs the environment points somewhere', () => {
  const installed = probe({
    libraries: {
      openai: '3.22.1',
      anthropic: '1.13.0',
      'langchain-openai': '1.6.6',
      litellm: '1.80.0',
      httpx2: '2.13.1',
    },
    stacks: { openai: 'httpx2', anthropic: 'httpx2' },
    ways: { httpx2: { ...os, ...trusted }, litellm: { ...certifi, ...rejected } },
  });

  it('reads each SDK its own variables, and its keys with their header', () => {
    const configs = pythonSdkConfigs(installed, {
      OPENAI_BASE_URL: 'https://e/raw/openai/v1',
      OPENAI_API_BASE: 'https://other/v1',
      OPENAI_API_KEY: 'k1',
      ANTHROPIC_BASE_URL: 'https://e/raw/anthropic',
      ANTHROPIC_API_KEY: 'k2',
      ANTHROPIC_AUTH_TOKEN: 'k3',
    });
    assert.deepEqual(
      configs.map((c) => [c.library, c.way, c.baseUrl.source, c.credentials.map((k) => k.header)]),
      [
        ['openai', 'httpx2', 'environment OPENAI_BASE_URL', ['bearer']],
        ['anthropic', 'httpx2', 'environment ANTHROPIC_BASE_URL', ['x-api-key', 'bearer']],
        ['langchain-openai', 'httpx2', 'environment OPENAI_API_BASE', ['bearer']],
        ['litellm', 'litellm', 'environment OPENAI_BASE_URL', ['bearer']],
      ],
    );
  });

  it('judges the same request once: langchain-openai on the openai SDK with the same URL', () => {
    const configs = pythonSdkConfigs(installed, { OPENAI_BASE_URL: 'https://e/raw/openai/v1' });
    assert.deepEqual(
      configs.map((c) => c.library),
      ['openai', 'litellm'],
    );
  });

  it('nothing set: nothing to judge', () => {
    assert.deepEqual(pythonSdkConfigs(installed, { OPENAI_API_KEY: 'k' }), []);
  });
});

describe('setup python', () => {
  it('points both SDKs at the raw routes and both trust variables at the merged bundle', () => {
    const text = pythonSetupText({
      baseUrl: (family) => `https://gw.example${family === 'openai' ? '/raw/openai/v1' : '/raw/anthropic'}`,
      caPath: '/home/u/.local/share/eliza-doctor/YandexInternalCA.pem',
    });
    const exports = Object.fromEntries([...text.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    assert.equal(exports.OPENAI_BASE_URL, 'https://gw.example/raw/openai/v1');
    assert.equal(exports.ANTHROPIC_BASE_URL, 'https://gw.example/raw/anthropic');
    assert.equal(exports.REQUESTS_CA_BUNDLE, '/home/u/.local/share/eliza-doctor/ca-bundle-with-internal.pem');
    assert.equal(exports.SSL_CERT_FILE, exports.REQUESTS_CA_BUNDLE);
  });
});
