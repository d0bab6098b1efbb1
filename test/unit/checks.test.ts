import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsCheck } from '../../checks/dns.ts';
import { environmentCheck } from '../../checks/environment.ts';
import { registry } from '../../checks/index.ts';
import { schemeCheck } from '../../checks/scheme.ts';
import { tcpCheck } from '../../checks/tcp.ts';
import { tokenCheck } from '../../checks/token.ts';
import { CONTRACT_IDS } from '../helpers/cli.ts';
import { fakeContext, netFailure } from '../helpers/fakes.ts';

describe('dns', () => {
  const cases: [string, ReturnType<typeof netFailure>, string][] = [
    ['NXDOMAIN', netFailure('dns-not-found', 'ENOTFOUND'), 'DNS_NOT_FOUND'],
    ['no resolver', netFailure('dns-temporary', 'EAI_AGAIN'), 'DNS_TEMPORARY'],
    ['a slow resolver', netFailure('timeout', 'TIMEOUT'), 'DNS_TIMEOUT'],
  ];
  for (const [what, answer, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const outcome = await dnsCheck.run(fakeContext({ net: { lookup: async () => answer } }));
      assert.equal(outcome.code, code);
      assert.equal(outcome.status, 'fail');
    });
  }
  it('counts A and AAAA answers', async () => {
    const outcome = await dnsCheck.run(
      fakeContext({
        net: {
          lookup: async () => ({
            ok: true,
            overridden: false,
            ms: 1,
            addresses: [
              { address: '2a02:6b8::1', family: 6 },
              { address: '5.45.1.1', family: 4 },
            ],
          }),
        },
      }),
    );
    assert.equal(outcome.status, 'pass');
    assert.match(outcome.details.join(), /1 IPv4 \(A\) and 1 IPv6 \(AAAA\)/);
  });
});

describe('tcp', () => {
  const dns = {
    data: {
      addresses: [
        { address: '2a02:6b8::1', family: 6 },
        { address: '5.45.1.1', family: 4 },
      ],
    },
  };
  it('warns when only one family works, and says which', async () => {
    const outcome = await tcpCheck.run(
      fakeContext({
        dependencies: { dns },
        net: {
          connect: async (address) =>
            address.includes(':') ? netFailure('unreachable', 'ENETUNREACH') : { ok: true, ms: 2 },
        },
      }),
    );
    assert.equal(outcome.code, 'TCP_PARTIAL');
    assert.match(outcome.summary, /only IPv4 works/);
  });
  for (const [kind, cause, code] of [
    ['unreachable', 'ENETUNREACH', 'TCP_UNREACHABLE'],
    ['timeout', 'TIMEOUT', 'TCP_TIMEOUT'],
    ['refused', 'ECONNREFUSED', 'TCP_REFUSED'],
  ] as const) {
    it(`${cause} everywhere: ${code}`, async () => {
      const outcome = await tcpCheck.run(
        fakeContext({ dependencies: { dns }, net: { connect: async () => netFailure(kind, cause) } }),
      );
      assert.equal(outcome.code, code);
    });
  }
});

describe('environment', () => {
  const token = 'y0_AgAAAAAtesttokenvalue123';
  // The token's shape is the token check's to judge (test/unit/verdicts.test.ts): here, facts only.
  const cases: Record<string, string>[] = [
    { ELIZA_TOKEN: token },
    { SOY_TOKEN: `${token}\n` },
    { SOY_TOKEN: `OAuth ${token}` },
    { ELIZA_TOKEN: '   ', SOY_TOKEN: token },
  ];
  for (const env of cases) {
    it(`${JSON.stringify(Object.keys(env))}: passes, with the token's facts and never the token`, async () => {
      const outcome = await environmentCheck.run(fakeContext({ env }));
      assert.equal(outcome.code, null);
      assert.equal(outcome.data.token?.prefix, 'y0_');
      assert.ok(!JSON.stringify(outcome).includes(token), 'never the token');
    });
  }
  it('names the proxy that applies, with its credentials hidden', async () => {
    const outcome = await environmentCheck.run(
      fakeContext({ env: { HTTPS_PROXY: 'http://me:pw@proxy:3128' } }),
    );
    assert.match(outcome.details.join(), /proxy http:\/\/\*\*\*:\*\*\*@proxy:3128 \(HTTPS_PROXY\)/);
  });
});

describe('scheme: SDK base URLs pointing at the gateway', () => {
  const cases: [string, string | null][] = [
    ['https://api.eliza.yandex.net/raw/openai/v1', null],
    ['https://api.eliza.yandex.net/raw/openai/v1/', null],
    ['https://api.eliza.yandex.net/openai/v1', 'SCHEME_SDK_NOT_RAW'],
    ['https://api.eliza.yandex.net/raw/openai', 'SCHEME_SDK_WRONG_PATH'],
    ['http://api.eliza.yandex.net/raw/openai/v1', 'SCHEME_SDK_HTTP'],
    ['https://api.openai.com/v1', null],
    ['::not a url', 'SCHEME_SDK_INVALID_URL'],
  ];
  for (const [value, code] of cases) {
    it(`OPENAI_BASE_URL=${value}: ${code ?? 'pass'}`, async () => {
      const outcome = await schemeCheck.run(fakeContext({ env: { OPENAI_BASE_URL: value } }));
      assert.equal(outcome.code, code);
    });
  }
  it('ANTHROPIC_BASE_URL wants /raw/anthropic', async () => {
    const outcome = await schemeCheck.run(
      fakeContext({ env: { ANTHROPIC_BASE_URL: 'https://api.eliza.yandex.net/anthropic' } }),
    );
    assert.equal(outcome.code, 'SCHEME_SDK_NOT_RAW');
    assert.match(outcome.summary, /https:\/\/api.eliza.yandex.net\/raw\/anthropic/);
  });
  it('a base URL with a path warns', async () => {
    const outcome = await schemeCheck.run(
      fakeContext({ raw: { baseUrl: 'https://api.eliza.yandex.net/raw/openai/v1' } }),
    );
    assert.equal(outcome.code, 'SCHEME_BASE_URL_PATH');
  });
});

describe('token', () => {
  it('reports a missing token even when the network is down', async () => {
    const outcome = await tokenCheck.run(
      fakeContext({ dependencies: { tls: { status: 'fail' }, 'ca-bundle': {} } }),
    );
    assert.equal(outcome.code, 'TOKEN_MISSING');
  });
  it('does not send a token no header can carry', async () => {
    const outcome = await tokenCheck.run(
      fakeContext({ raw: { token: 'y0_ab\u00e9cdefgh' }, dependencies: { tls: {}, 'ca-bundle': {} } }),
    );
    assert.equal(outcome.code, 'TOKEN_MALFORMED');
  });
});

describe('registry', () => {
  it('has the contract ids, in order, and every dependency is a known check', () => {
    const ids = registry.map((c) => c.id);
    assert.deepEqual(ids, CONTRACT_IDS);
    for (const c of registry)
      for (const d of [...(c.needs ?? []), ...(c.reads ?? [])]) assert.ok(ids.includes(d));
  });
});
