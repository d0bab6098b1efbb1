import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientNotFound, judgeClient, pointsAtEliza, readCaFile } from '../../checks/shared/client.ts';
import type { ClientTarget } from '../../src/clients/types.ts';
import { createNet } from '../../src/net/index.ts';
import { SIM_MODELS, startSimGateway } from '../../src/sim/gateway.ts';
import { anthropicMessages } from '../../src/stream/anthropic-messages.ts';
import { openAiResponses } from '../../src/stream/openai-responses.ts';
import { pki } from '../helpers/cli.ts';
import { fakeContext, fakeHost } from '../helpers/fakes.ts';

const GATEWAY = 'https://gateway.test:8443';

function target(overrides: Partial<ClientTarget> = {}): ClientTarget {
  return {
    client: 'Claude Code',
    baseUrl: { value: `${GATEWAY}/raw/anthropic`, source: 'environment ANTHROPIC_BASE_URL' },
    api: anthropicMessages,
    family: 'anthropic',
    credentials: [{ header: 'bearer', value: 'k-123456', source: 'environment ANTHROPIC_AUTH_TOKEN' }],
    headers: {},
    model: null,
    trust: { label: 'the OS store', pem: '', broken: null },
    ...overrides,
  };
}

/** Offline, judgeClient gives every verdict that needs no network, and OFFLINE when all is right. */
async function judged(overrides: Partial<ClientTarget>) {
  const ctx = fakeContext({ raw: { baseUrl: GATEWAY, offline: true } });
  return judgeClient(ctx, target(overrides));
}

describe('judgeClient without the network', () => {
  it('takes a right config to the request, which --offline does not make', async () => {
    assert.equal((await judged({})).code, 'OFFLINE');
  });
  it('fails http://, the wrapped route, a wrong or missing route, in the words of the wire API', async () => {
    const base = (value: string) => ({ baseUrl: { value, source: 'x' } });
    assert.equal((await judged(base('http://gateway.test:8443/raw/anthropic'))).code, 'CLIENT_BASE_URL_HTTP');
    assert.equal((await judged(base(`${GATEWAY}/anthropic`))).code, 'CLIENT_BASE_URL_NOT_RAW');
    assert.equal((await judged(base(`${GATEWAY}/anthropic/`))).code, 'CLIENT_BASE_URL_NOT_RAW');
    assert.equal((await judged(base(GATEWAY))).code, 'CLIENT_WRONG_ROUTE');
    assert.equal((await judged(base(`${GATEWAY}/raw/anthropic/v1`))).code, 'CLIENT_WRONG_ROUTE');
    assert.equal((await judged(base(`${GATEWAY}/raw/anthropic/`))).code, 'OFFLINE');
    assert.equal((await judged(base('not a url'))).code, 'CLIENT_CONFIG_INVALID');
    const responses = { api: openAiResponses, family: 'openai' as const };
    assert.equal((await judged({ ...responses, ...base(`${GATEWAY}/raw/openai/v1`) })).code, 'OFFLINE');
    assert.equal(
      (await judged({ ...responses, ...base(`${GATEWAY}/openai/v1`) })).code,
      'CLIENT_BASE_URL_NOT_RAW',
    );
    assert.equal(
      (await judged({ ...responses, ...base(`${GATEWAY}/raw/anthropic`) })).code,
      'CLIENT_WRONG_ROUTE',
    );
  });
  it('fails a client with no key, or a CA file it cannot read', async () => {
    const empty = { header: 'bearer' as const, value: '', source: 'environment ANTHROPIC_AUTH_TOKEN' };
    assert.equal((await judged({ credentials: [empty] })).code, 'CLIENT_KEY_MISSING');
    assert.equal((await judged({ credentials: [] })).code, 'CLIENT_KEY_MISSING');
    const broken = { source: 'NODE_EXTRA_CA_CERTS', reason: '/nope: no such file' };
    assert.equal((await judged({ trust: { label: 'x', pem: '', broken } })).code, 'CLIENT_CA_UNREADABLE');
  });
  it('registers every key before anything can print it', async () => {
    const seen: string[] = [];
    const ctx = {
      ...fakeContext({ raw: { baseUrl: GATEWAY, offline: true } }),
      registerSecret: (v: unknown) => void seen.push(String(v)),
    };
    await judgeClient(ctx, target({ headers: { authorization: 'OAuth h-999999' } }));
    assert.deepEqual(seen.sort(), ['OAuth h-999999', 'k-123456']);
  });
  it('knows the gateway by host and port, http:// on the default port included', () => {
    const ctx = fakeContext({ raw: { baseUrl: GATEWAY } });
    assert.equal(pointsAtEliza(ctx, `${GATEWAY}/raw/anthropic`), true);
    assert.equal(pointsAtEliza(ctx, 'https://gateway.test/raw/anthropic'), false);
    assert.equal(pointsAtEliza(ctx, 'https://api.eliza.yandex.net/raw/anthropic'), true);
    assert.equal(pointsAtEliza(ctx, 'https://api.anthropic.com'), false);
    assert.equal(pointsAtEliza(ctx, 'not a url'), false);
    const v6 = fakeContext({ raw: { baseUrl: 'https://[::1]:9443' } });
    assert.equal(pointsAtEliza(v6, 'https://[::1]:9443/raw/openai/v1'), true);
    assert.equal(clientNotFound('Codex').code, 'CLIENT_NOT_FOUND');
  });
});

describe('judgeClient against the loopback gateway', () => {
  it('passes a trusted client, and names untrusted, rejected keys, 404s and unknown models', async () => {
    const token = 'sim-token-123456';
    const sim = await startSimGateway({
      pki: pki(),
      token,
      behaviour: { accept: { oauth: true, bearer: false, xApiKey: true } },
    });
    const base = `https://127.0.0.1:${sim.port}`;
    const net = createNet({ timeoutMs: 5000, resolve: [], env: {} });
    try {
      const verdict = async (overrides: Partial<ClientTarget>) => {
        const ctx = fakeContext({
          raw: { baseUrl: base },
          dependencies: {
            tcp: { data: { working: [{ address: '127.0.0.1' }] } },
            models: { data: { ids: SIM_MODELS } },
          },
        });
        return judgeClient(
          { ...ctx, net },
          target({
            baseUrl: { value: `${base}/raw/anthropic`, source: 'env' },
            credentials: [{ header: 'x-api-key', value: token, source: 'environment ANTHROPIC_API_KEY' }],
            trust: { label: 'the sim CA', pem: pki().bundlePem, broken: null },
            ...overrides,
          }),
        );
      };
      const ok = await verdict({});
      assert.equal(ok.status, 'pass', ok.summary);
      assert.equal(ok.data?.trustedVia, 'the sim CA');
      assert.equal(
        (await verdict({ trust: { label: 'nothing', pem: '', broken: null } })).code,
        'CLIENT_UNTRUSTED',
      );
      const bearer = [
        { header: 'bearer' as const, value: token, source: 'environment ANTHROPIC_AUTH_TOKEN' },
      ];
      assert.equal((await verdict({ credentials: bearer })).code, 'CLIENT_KEY_REJECTED');
      assert.equal(
        (await verdict({ model: { value: 'claude-nope', source: 'x' } })).code,
        'CLIENT_MODEL_UNKNOWN',
      );
      const responses = { api: openAiResponses, family: 'openai' as const };
      assert.equal(
        (await verdict({ ...responses, baseUrl: { value: `${base}/raw/openai/v1`, source: 'x' } })).status,
        'pass',
      );
    } finally {
      await net.close();
      await sim.close();
    }
  });
});

describe('the loopback gateway takes the credentials its scenario says', () => {
  it('Bearer, OAuth and x-api-key each on or off', async () => {
    const token = 'sim-token-abcdef';
    const sim = await startSimGateway({
      pki: pki(),
      token,
      behaviour: { accept: { oauth: true, bearer: false, xApiKey: true } },
    });
    try {
      const ask = async (headers: Record<string, string>) => {
        const { request } = await import('undici');
        const { Agent } = await import('undici');
        const dispatcher = new Agent({ connect: { ca: pki().bundlePem } });
        const answer = await request(`https://127.0.0.1:${sim.port}/v1/models`, { headers, dispatcher });
        await answer.body.dump();
        await dispatcher.close();
        return answer.statusCode;
      };
      assert.equal(await ask({ authorization: `OAuth ${token}` }), 200);
      assert.equal(await ask({ authorization: `Bearer ${token}` }), 401);
      assert.equal(await ask({ 'x-api-key': token }), 200);
      assert.equal(await ask({ 'x-api-key': 'wrong' }), 401);
    } finally {
      await sim.close();
    }
  });
});

describe('a CA file several clients are told', () => {
  it('is read once per run; an error of the moment (EMFILE) is asked again', async () => {
    const base = fakeHost({}, { '/ca.pem': pki().root.pem });
    let reads = 0;
    let busy = true;
    const host = {
      ...base,
      readFile: async (path: string, max: number) => {
        reads++;
        if (path === '/busy.pem' && busy) throw Object.assign(new Error('EMFILE'), { code: 'EMFILE' });
        return base.readFile(path === '/busy.pem' ? '/ca.pem' : path, max);
      },
    };
    const first = await readCaFile(host, '/ca.pem', 'SSL_CERT_FILE');
    const second = await readCaFile(host, '/ca.pem', 'NODE_EXTRA_CA_CERTS');
    assert.ok(first.ok && second.ok && first.pem === second.pem);
    assert.equal(reads, 1);
    const missing = await readCaFile(host, '/none.pem', 'x');
    assert.ok(!missing.ok && /no such file/.test(missing.broken.reason));
    assert.equal((await readCaFile(host, '/busy.pem', 'x')).ok, false);
    busy = false;
    assert.equal((await readCaFile(host, '/busy.pem', 'x')).ok, true);
  });
});
