/**
 * Issue 10's check-level verdicts: a green line means the user's clients work, every failure has
 * a next step, and that step is a real command for this machine.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { dnsCheck } from '../../checks/dns.ts';
import { environmentCheck } from '../../checks/environment.ts';
import { insecureSettingsCheck } from '../../checks/insecure-settings.ts';
import { schemeCheck } from '../../checks/scheme.ts';
import { tcpCheck } from '../../checks/tcp.ts';
import { tlsCheck } from '../../checks/tls.ts';
import { tokenCheck } from '../../checks/token.ts';
import type { CheckContext, CheckResult } from '../../src/engine/types.ts';
import type { CheckId } from '../../src/facts.ts';
import type { Net, RequestOptions } from '../../src/net/index.ts';
import { plainHttp } from '../../src/net/plain-http.ts';
import { fakeContext, fakeHost, netFailure } from '../helpers/fakes.ts';

const TOKEN = 'y0_AgAAAAAtesttokenvalue123';
const OTHER = 'y1_AgAAAAAothertokenvalue456';

/** A /quota that accepts the given tokens the way the loopback gateway does: `OAuth|Bearer <token>`. */
function quotaAccepting(good: string[], status = 401): Net['request'] {
  return async (options: RequestOptions) => {
    const auth = options.headers?.authorization ?? '';
    const match = /^(OAuth|Bearer) (.+)$/.exec(auth.trim());
    const accepted = match !== null && good.includes(match[2]!);
    const body = accepted
      ? { quotas: [{ model_family: 'gpt-5', limit: 100, spent: 12 }] }
      : { error: status === 403 ? 'access denied for this pool' : 'invalid OAuth token' };
    return {
      ok: true,
      status: accepted ? 200 : status,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
      ttfbMs: 1,
      totalMs: 2,
    };
  };
}

const gatewayUp: Partial<Record<CheckId, Partial<CheckResult>>> = { tls: {}, 'ca-bundle': {} };

function tokenContext(
  env: Record<string, string>,
  request: Net['request'],
  extra: Partial<Parameters<typeof fakeContext>[0]> = {},
) {
  const sent: string[] = [];
  const ctx = fakeContext({
    env,
    dependencies: gatewayUp,
    net: {
      request: async (options) => {
        sent.push(options.headers?.authorization ?? '');
        return request(options);
      },
    },
    ...extra,
  });
  return { ctx, sent };
}

function assertNoToken(value: unknown, ...tokens: string[]) {
  const text = JSON.stringify(value);
  for (const token of tokens) assert.ok(!text.includes(token), 'the token never appears in a result');
}

describe('token: the value is judged as clients send it', () => {
  const shapes: [string, string, string][] = [
    ['an OAuth prefix', `OAuth ${TOKEN}`, 'TOKEN_HAS_PREFIX'],
    ['a Bearer prefix', `Bearer ${TOKEN}`, 'TOKEN_HAS_PREFIX'],
    ['quotes', `"${TOKEN}"`, 'TOKEN_QUOTED'],
  ];
  for (const [what, value, code] of shapes) {
    it(`${what}: the gateway rejects it as sent, so ${code} fails`, async () => {
      const { ctx, sent } = tokenContext({ SOY_TOKEN: value }, quotaAccepting([TOKEN]));
      const outcome = await tokenCheck.run(ctx);
      assert.equal(outcome.status, 'fail');
      assert.equal(outcome.code, code);
      assert.ok(sent.includes(`OAuth ${value}`), 'the raw value was tried, as the docs curl sends it');
      assert.ok(outcome.fix && outcome.fix.commands.length > 0);
      assertNoToken(outcome, TOKEN);
    });
  }

  it('a line break cannot be sent at all: TOKEN_HAS_WHITESPACE fails without sending it', async () => {
    const { ctx, sent } = tokenContext({ SOY_TOKEN: `${TOKEN}\n` }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.status, 'fail');
    assert.equal(outcome.code, 'TOKEN_HAS_WHITESPACE');
    assert.ok(sent.every((h) => !/[\r\n]/.test(h)));
  });

  it('trailing spaces the gateway forgives: a warning, not a failure', async () => {
    const { ctx } = tokenContext({ SOY_TOKEN: `${TOKEN}  ` }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.status, 'warn');
    assert.equal(outcome.code, 'TOKEN_HAS_WHITESPACE');
  });

  it('a clean token passes; the line names its variable and masks it like gh (3 characters)', async () => {
    const { ctx, sent } = tokenContext({ SOY_TOKEN: TOKEN }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.status, 'pass');
    assert.equal(sent.length, 1, 'one request when nothing is odd');
    assert.equal(outcome.data.masked, 'y0_****');
    assert.ok(outcome.summary.includes('SOY_TOKEN') && outcome.summary.includes('y0_****'));
    assertNoToken(outcome, TOKEN, TOKEN.slice(0, 4));
  });

  it('a short token shows no characters at all', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: 'y0_short' }, quotaAccepting(['y0_short']));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.data.masked, '****');
  });
});

describe('token: the next step fits the cause', () => {
  const startup = { '/home/user/.bashrc': `alias ll='ls -l'\nexport ELIZA_TOKEN=${OTHER}\n` };

  it('a stale ELIZA_TOKEN beside a good SOY_TOKEN: names the one that works, says unset the stale one and where it is set', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: OTHER, SOY_TOKEN: TOKEN }, quotaAccepting([TOKEN]), {
      files: startup,
    });
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.code, 'TOKEN_INVALID');
    assert.equal(outcome.data.working, 'SOY_TOKEN');
    assert.deepEqual(outcome.fix?.commands, ['unset ELIZA_TOKEN', 'sed -i.bak 2d /home/user/.bashrc']);
    assertNoToken(outcome, TOKEN, OTHER);
  });

  it('a rejected token with no other candidate: get a new token', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: OTHER }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.code, 'TOKEN_INVALID');
    assert.equal(outcome.data.working, null);
    assert.deepEqual(outcome.fix?.commands, ['read -rs ELIZA_TOKEN && export ELIZA_TOKEN']);
  });

  it('a blank ELIZA_TOKEN beside a good SOY_TOKEN: a warning, unset it', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: '  ', SOY_TOKEN: TOKEN }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.status, 'warn');
    assert.equal(outcome.code, 'TOKEN_BLANK');
    assert.deepEqual(outcome.fix?.commands, ['unset ELIZA_TOKEN']);
  });

  it('only a blank ELIZA_TOKEN: fails as TOKEN_BLANK, unset it', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: ' ' }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.status, 'fail');
    assert.equal(outcome.code, 'TOKEN_BLANK');
    assert.equal(outcome.fix?.commands[0], 'unset ELIZA_TOKEN');
  });

  it('another variable with a rejected token: TOKEN_SOURCES_DISAGREE, unset that one', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: TOKEN, SOY_TOKEN: OTHER }, quotaAccepting([TOKEN]));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.code, 'TOKEN_SOURCES_DISAGREE');
    assert.deepEqual(outcome.fix?.commands, ['unset SOY_TOKEN']);
  });

  it('403 for a pool from ELIZA_POOL: about the pool and access, not a new token', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: TOKEN, ELIZA_POOL: 'team-pool' }, quotaAccepting([], 403));
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.code, 'TOKEN_FORBIDDEN');
    assert.deepEqual(outcome.fix?.commands, ['unset ELIZA_POOL']);
  });

  it('403 for a pool from --pool: no new token either', async () => {
    const { ctx } = tokenContext({ ELIZA_TOKEN: TOKEN }, quotaAccepting([], 403), {
      raw: { pool: 'team-pool' },
    });
    const outcome = await tokenCheck.run(ctx);
    assert.equal(outcome.code, 'TOKEN_FORBIDDEN');
    assert.ok(outcome.fix);
    assert.ok(!outcome.fix.commands.some((c) => c.includes('ELIZA_TOKEN')));
  });

  it('every failure the gateway call can give carries a fix', async () => {
    const answers: Net['request'][] = [
      async () => netFailure('timeout', 'TIMEOUT'),
      async () => netFailure('reset', 'ECONNRESET'),
      async () => netFailure('refused', 'ECONNREFUSED'),
      async () => netFailure('tls-untrusted', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'),
      async () => ({
        ok: true,
        status: 502,
        headers: {},
        body: Buffer.from('<html>bad gateway</html>'),
        ttfbMs: 1,
        totalMs: 1,
      }),
      async () => ({ ok: true, status: 404, headers: {}, body: Buffer.from('{}'), ttfbMs: 1, totalMs: 1 }),
      async () => ({
        ok: true,
        status: 429,
        headers: {},
        body: Buffer.from('{"error":"overloaded"}'),
        ttfbMs: 1,
        totalMs: 1,
      }),
      async () => ({
        ok: true,
        status: 200,
        headers: {},
        body: Buffer.from('<html>login</html>'),
        ttfbMs: 1,
        totalMs: 1,
      }),
      async () => ({ ok: true, status: 418, headers: {}, body: Buffer.from('{}'), ttfbMs: 1, totalMs: 1 }),
    ];
    for (const answer of answers) {
      const { ctx } = tokenContext({ ELIZA_TOKEN: TOKEN }, answer);
      const outcome = await tokenCheck.run(ctx);
      assert.equal(outcome.status, 'fail');
      assert.ok(outcome.fix, `${outcome.code} has a fix`);
    }
  });
});

describe('scheme', () => {
  it('an SDK base URL without /raw is a failure: the SDK cannot parse the answer', async () => {
    const outcome = await schemeCheck.run(
      fakeContext({ env: { OPENAI_BASE_URL: 'https://api.eliza.yandex.net/openai/v1' } }),
    );
    assert.equal(outcome.code, 'SCHEME_SDK_NOT_RAW');
    assert.equal(outcome.status, 'fail');
  });

  const lookup: Net['lookup'] = async () => ({
    ok: true,
    overridden: true,
    ms: 0,
    addresses: [{ address: '127.0.0.1', family: 4 }],
  });
  const httpContext = (https: Net['tlsProbe']) =>
    fakeContext({
      env: { ELIZA_BASE_URL: 'http://api.eliza.yandex.net:8080' },
      net: { lookup, plainHttp: async () => netFailure('timeout', 'TIMEOUT'), tlsProbe: https },
    });

  it('http:// to a port where https:// does not answer either: the fix does not propose that URL', async () => {
    const outcome = await schemeCheck.run(httpContext(async () => netFailure('timeout', 'TIMEOUT')));
    assert.equal(outcome.code, 'SCHEME_HTTP');
    assert.ok(outcome.fix);
    assert.deepEqual(outcome.fix.commands, []);
    assert.ok(!outcome.fix.summary.includes('https://api.eliza.yandex.net:8080'));
  });

  it('http:// where https:// answers: the fix is the https URL', async () => {
    const outcome = await schemeCheck.run(
      httpContext(async () => ({
        ok: true,
        address: '127.0.0.1',
        authorized: false,
        authorizationError: null,
        protocol: 'TLSv1.3',
        cipher: null,
        alpn: null,
        chain: [],
        tcpMs: 1,
        tlsMs: 1,
        busyMs: 0,
      })),
    );
    assert.deepEqual(outcome.fix?.commands, ['export ELIZA_BASE_URL=https://api.eliza.yandex.net:8080']);
  });

  it('an answer whose head began and then stalled is not "no answer"', async () => {
    const server = http.createServer();
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('data', () => socket.write('HTTP/1.1 301 Moved Permanently\r\nLocation: https://'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1500);
      const result = await plainHttp(
        { address: '127.0.0.1', port, host: 'api.eliza.yandex.net' },
        controller.signal,
      );
      assert.ok(result.ok);
      assert.equal(result.partial, true);
      assert.equal(result.status, 301);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('insecure settings: each with its own code and its own command', () => {
  const home = '/home/user';
  const files = {
    [`${home}/.bashrc`]: 'export NODE_TLS_REJECT_UNAUTHORIZED=0\nexport PYTHONHTTPSVERIFY=0\n',
    [`${home}/.gitconfig`]: '[http]\n\tsslVerify = false\n',
    [`${home}/.npmrc`]: 'strict-ssl=false\n',
    [`${home}/.curlrc`]: '# mine\ninsecure\n',
    [`${home}/.config/pip/pip.conf`]:
      '[global]\ntrusted-host = pypi.org\n    files.pythonhosted.org\ntimeout = 5\n',
  };

  it('six settings, six codes in the details, one real command per file', async () => {
    const outcome = await insecureSettingsCheck.run(fakeContext({ env: { SHELL: '/bin/bash' }, files }));
    assert.equal(outcome.status, 'warn');
    const codes = outcome.details.map((d) => d.split(':')[0]);
    assert.deepEqual(
      new Set(codes),
      new Set([
        'INSECURE_NODE_TLS',
        'INSECURE_PYTHON_VERIFY',
        'INSECURE_GIT_SSL',
        'INSECURE_NPM_STRICT_SSL',
        'INSECURE_CURLRC',
        'INSECURE_PIP_TRUSTED_HOST',
      ]),
    );
    assert.deepEqual(outcome.data.findings.map((f) => f.code).sort(), [...codes].sort());
    assert.deepEqual(outcome.fix?.commands, [
      `sed -i.bak '1d;2d' ${home}/.bashrc`,
      'npm config delete strict-ssl --location=user',
      `git config --file ${home}/.gitconfig --unset http.sslverify`,
      `sed -i.bak 2d ${home}/.curlrc`,
      `sed -i.bak '2d;3d' ${home}/.config/pip/pip.conf`,
    ]);
    assert.ok(outcome.fix.commands.every((c) => !/^remove /.test(c)));
  });

  it("npm's strict-ssl in a .npmrc npm reads for no location: --userconfig names the file", async () => {
    const cwdFile = '/work/project/.npmrc';
    const ctx = fakeContext({ files: { [cwdFile]: 'strict-ssl = false\n' } });
    const outcome = await insecureSettingsCheck.run({ ...ctx, host: { ...ctx.host, cwd: '/work/project' } });
    assert.deepEqual(outcome.fix?.commands, [`npm config delete strict-ssl --userconfig ${cwdFile}`]);
  });

  it("npm's strict-ssl in the project's .npmrc (beside package.json): --location=project", async () => {
    const ctx = fakeContext({
      files: { '/work/project/.npmrc': 'strict-ssl=false\n', '/work/project/package.json': '{}' },
    });
    const outcome = await insecureSettingsCheck.run({ ...ctx, host: { ...ctx.host, cwd: '/work/project' } });
    assert.deepEqual(outcome.fix?.commands, ['npm config delete strict-ssl --location=project']);
  });

  it('NPM_CONFIG_USERCONFIG: the file it names is the user location', async () => {
    const outcome = await insecureSettingsCheck.run(
      fakeContext({
        env: { NPM_CONFIG_USERCONFIG: '/etc/npm/mine' },
        files: { '/etc/npm/mine': 'strict-ssl=false\n' },
      }),
    );
    assert.deepEqual(outcome.fix?.commands, ['npm config delete strict-ssl --location=user']);
  });
});

describe('proxy blame', () => {
  const proxyRoute: Partial<Net> = {
    route: () => ({
      variable: 'HTTPS_PROXY',
      url: 'http://proxy.nowhere.example:3128',
      parsed: new URL('http://proxy.nowhere.example:3128'),
    }),
  };

  it("an unresolvable proxy is the proxy's failure, not the gateway's DNS", async () => {
    const outcome = await dnsCheck.run(
      fakeContext({ net: { ...proxyRoute, lookup: async () => netFailure('dns-not-found', 'ENOTFOUND') } }),
    );
    assert.equal(outcome.code, 'PROXY_NOT_FOUND');
    assert.ok(outcome.fix?.commands.includes('unset HTTPS_PROXY'));
  });

  it('a SOCKS proxy that curl uses is a warning naming who uses it, not a failure', async () => {
    const outcome = await environmentCheck.run(
      fakeContext({ env: { ALL_PROXY: 'socks5://127.0.0.1:1080' } }),
    );
    assert.equal(outcome.status, 'warn');
    assert.equal(outcome.code, 'PROXY_SOCKS');
    assert.ok(outcome.fix);
  });

  it('a proxy that does not answer the CONNECT: PROXY_TIMEOUT, with NO_PROXY as the fix', async () => {
    const ctx = fakeContext({
      env: { HTTPS_PROXY: 'http://proxy.corp:3128' },
      dependencies: {
        tcp: { data: { port: 3128, attempts: [], working: [{ address: '10.0.0.1', family: 4 }] } },
      },
      net: {
        ...proxyRoute,
        tlsProbe: async () => ({
          ok: false,
          failure: { kind: 'timeout', cause: 'PROXY_CONNECT_TIMEOUT', message: '' },
          ms: 5,
        }),
      },
    });
    const outcome = await tlsCheck.run(ctx);
    assert.equal(outcome.code, 'PROXY_TIMEOUT');
    assert.deepEqual(outcome.fix?.commands, ['export NO_PROXY=.yandex.net']);
  });

  it('PROXY_REFUSED has a fix', async () => {
    const ctx = fakeContext({
      dependencies: {
        tcp: { data: { port: 3128, attempts: [], working: [{ address: '10.0.0.1', family: 4 }] } },
      },
      net: { ...proxyRoute, tlsProbe: async () => netFailure('proxy-refused', 'HTTP 400') },
    });
    const outcome = await tlsCheck.run(ctx);
    assert.equal(outcome.code, 'PROXY_REFUSED');
    assert.deepEqual(outcome.fix?.commands, ['export NO_PROXY=.yandex.net']);
  });
});

describe('suggested diagnostics fit --resolve and the OS', () => {
  const onDarwin = (ctx: CheckContext): CheckContext => ({
    ...ctx,
    host: { ...fakeHost(), platform: 'darwin' },
  });

  it('DNS on macOS: dscacheutil, not getent', async () => {
    const ctx = onDarwin(
      fakeContext({ net: { lookup: async () => netFailure('dns-not-found', 'ENOTFOUND') } }),
    );
    const outcome = await dnsCheck.run(ctx);
    assert.deepEqual(outcome.fix?.commands, ['dscacheutil -q host -a name api.eliza.yandex.net']);
  });

  it('DNS on Linux: getent', async () => {
    const outcome = await dnsCheck.run(
      fakeContext({ net: { lookup: async () => netFailure('dns-not-found', 'ENOTFOUND') } }),
    );
    assert.deepEqual(outcome.fix?.commands, ['getent ahosts api.eliza.yandex.net']);
  });

  const resolve = { resolve: ['api.eliza.yandex.net:443:10.1.2.3'] };
  it('tcp with --resolve tests the given address', async () => {
    const outcome = await tcpCheck.run(
      fakeContext({
        raw: resolve,
        dependencies: { dns: { data: { addresses: [{ address: '10.1.2.3', family: 4 }] } } },
        net: { connect: async () => netFailure('timeout', 'TIMEOUT') },
      }),
    );
    assert.deepEqual(outcome.fix?.commands, ['nc -vz -w 5 10.1.2.3 443']);
  });

  it('tls with --resolve: openssl to the given address, by name', async () => {
    const outcome = await tlsCheck.run(
      fakeContext({
        raw: resolve,
        dependencies: {
          tcp: { data: { port: 443, attempts: [], working: [{ address: '10.1.2.3', family: 4 }] } },
        },
        net: { tlsProbe: async () => netFailure('timeout', 'TIMEOUT') },
      }),
    );
    assert.equal(outcome.code, 'TLS_TIMEOUT');
    assert.deepEqual(outcome.fix?.commands, [
      'openssl s_client -connect 10.1.2.3:443 -servername api.eliza.yandex.net -showcerts </dev/null',
    ]);
  });
});
