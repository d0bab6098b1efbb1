import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError, type FailureKind } from '../../src/net/errors.ts';
import { bypasses, proxyFor, redactUrl } from '../../src/net/proxy.ts';

const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('classifyError walks the cause chain', () => {
  const cases: [string, unknown, FailureKind][] = [
    ['ENOTFOUND', err('ENOTFOUND'), 'dns-not-found'],
    ['EAI_AGAIN', err('EAI_AGAIN'), 'dns-temporary'],
    [
      'fetch failed -> ECONNREFUSED',
      Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }),
      'refused',
    ],
    [
      'two levels down',
      new Error('outer', { cause: new Error('mid', { cause: err('UNABLE_TO_GET_ISSUER_CERT_LOCALLY') }) }),
      'tls-untrusted',
    ],
    ['undici connect timeout', err('UND_ERR_CONNECT_TIMEOUT'), 'timeout'],
    ['undici socket', err('UND_ERR_SOCKET'), 'reset'],
    ['no route', err('ENETUNREACH'), 'unreachable'],
    ['plain HTTP on a TLS port', err('ERR_SSL_WRONG_VERSION_NUMBER'), 'not-tls'],
    ['another SSL error', err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'tls-other'],
    ['an AbortSignal.timeout', new DOMException('timed out', 'TimeoutError'), 'timeout'],
    ['something unknown', new Error('weird'), 'other'],
    ['not even an error', 'a string', 'other'],
  ];
  for (const [what, error, kind] of cases) {
    it(`${what} -> ${kind}`, () => {
      assert.equal(classifyError(error).kind, kind);
    });
  }
  it('survives a cause cycle', () => {
    const a: { code?: string; cause?: unknown } = {};
    a.cause = a;
    assert.equal(classifyError(a).kind, 'other');
  });
});

describe('proxies', () => {
  it('honours HTTPS_PROXY and NO_PROXY as curl does', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128' };
    assert.equal(proxyFor('api.eliza.yandex.net', 443, env)?.url, 'http://proxy:3128');
    assert.equal(proxyFor('api.eliza.yandex.net', 443, { ...env, NO_PROXY: '.yandex.net' }), null);
    assert.equal(proxyFor('api.eliza.yandex.net', 443, { ...env, no_proxy: 'yandex.net' }), null);
    assert.equal(proxyFor('api.eliza.yandex.net', 443, { ...env, NO_PROXY: '*' }), null);
    assert.ok(proxyFor('api.eliza.yandex.net', 443, { ...env, NO_PROXY: 'eliza.yandex.ru' }));
    assert.equal(proxyFor('api.eliza.yandex.net', 443, {}), null);
  });
  it('bypasses with a port only on that port', () => {
    assert.equal(bypasses('h.example', 443, 'h.example:443'), true);
    assert.equal(bypasses('h.example', 443, 'h.example:8443'), false);
  });
  it('redacts proxy credentials', () => {
    assert.equal(redactUrl('http://user:secret@proxy:3128'), 'http://***:***@proxy:3128');
    // curl takes a proxy without a scheme: its credentials are just as secret.
    assert.equal(redactUrl('user:secret@proxy:3128'), '***:***@proxy:3128');
    assert.equal(redactUrl('https://api.example/v1?key=secret'), 'https://api.example/v1?key=***');
    for (const text of ['not a url user:secret@host', '//user:secret@host', 'a b:secret@'])
      assert.ok(!redactUrl(text).includes('secret'), text);
  });
});
