import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError, codeFor } from '../../src/net/errors.ts';
import { bypasses, proxyFor, redactUrl } from '../../src/net/proxy.ts';

const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('classifyError walks the cause chain', () => {
  const cases: [string, unknown, string][] = [
    ['ENOTFOUND', err('ENOTFOUND'), 'DNS_NOT_FOUND'],
    ['EAI_AGAIN', err('EAI_AGAIN'), 'DNS_TEMPORARY'],
    [
      'fetch failed -> ECONNREFUSED',
      Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }),
      'X_REFUSED',
    ],
    [
      'two levels down',
      new Error('outer', { cause: new Error('mid', { cause: err('UNABLE_TO_GET_ISSUER_CERT_LOCALLY') }) }),
      'X_UNTRUSTED',
    ],
    ['undici connect timeout', err('UND_ERR_CONNECT_TIMEOUT'), 'X_TIMEOUT'],
    ['undici socket', err('UND_ERR_SOCKET'), 'X_RESET'],
    ['no route', err('ENETUNREACH'), 'X_UNREACHABLE'],
    ['plain HTTP on a TLS port', err('ERR_SSL_WRONG_VERSION_NUMBER'), 'X_NOT_TLS'],
    ['another SSL error', err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'X_TLS_ERROR'],
    ['an AbortSignal.timeout', new DOMException('timed out', 'TimeoutError'), 'X_TIMEOUT'],
    ['something unknown', new Error('weird'), 'X_ERROR'],
    ['not even an error', 'a string', 'X_ERROR'],
  ];
  for (const [what, error, code] of cases) {
    it(`${what} -> ${code}`, () => {
      const f = classifyError(error);
      assert.equal(code.startsWith('DNS') ? codeFor('DNS', f) : codeFor('X', f), code);
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
    assert.equal(redactUrl('not a url user:secret@host'), 'not a url user:secret@host');
    assert.equal(redactUrl('//user:pw@host'), '//***@host');
  });
});
