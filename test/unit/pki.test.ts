import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { verifyInternalBundle } from '../../src/pki/bundle.ts';
import { parsePemBundle } from '../../src/pki/cert.ts';
import { bundledRoots, judgeChain } from '../../src/pki/chain.ts';
import type { CertVariant } from '../../src/sim/pki.ts';
import { pki, ROOT } from '../helpers/cli.ts';

const HOST = 'api.eliza.yandex.net';
const now = new Date();
const chainOf = (variant: CertVariant) =>
  parsePemBundle(pki().variant(variant).chain).blocks.map((b) => b.cert!);
const internal = () => [pki().root.cert, pki().intermediate.cert];
const pinned = () => [pki().root.cert.fingerprint256];
const judge = (variant: CertVariant, overrides: Partial<Parameters<typeof judgeChain>[0]> = {}) =>
  judgeChain({
    presented: chainOf(variant),
    host: HOST,
    now,
    internal: internal(),
    pinned: pinned(),
    publicRoots: bundledRoots,
    ...overrides,
  });

describe('judgeChain', () => {
  it('accepts a chain that ends at the pinned internal root', () => {
    const v = judge('good');
    assert.equal(v.status, 'ok');
    assert.equal(v.anchor, 'internal');
    assert.equal(v.path.length, 3);
    assert.equal(v.path.at(-1)!.sha256, pki().root.cert.fingerprint256);
  });
  it('works with an ECDSA leaf', () => {
    const v = judge('ecdsa');
    assert.equal(v.status, 'ok');
    assert.match(v.path[0]!.keyType, /ECDSA/);
  });
  it('warns when the gateway leaves out the intermediate that the bundle can supply', () => {
    const v = judge('leaf-only');
    assert.equal(v.status, 'warn');
    assert.equal(v.code, 'TLS_MISSING_INTERMEDIATE');
    assert.equal(v.supplied.length, 1);
  });
  it('fails a leaf-only chain that nothing can complete', () => {
    const v = judge('leaf-only', { internal: [pki().root.cert] });
    assert.equal(v.code, 'TLS_MISSING_INTERMEDIATE');
    assert.equal(v.status, 'fail');
  });
  it('cannot decide without the internal CA', () => {
    assert.equal(judge('good', { internal: [] }).status, 'undecidable');
  });
  it('flags a chain that ends at a foreign root as interception', () => {
    const v = judge('intercepted');
    assert.equal(v.code, 'TLS_UNKNOWN_ISSUER');
    assert.match(v.summary, /Corporate TLS Inspection CA/);
  });
  it('flags a foreign root even when the internal CA is unavailable', () => {
    assert.equal(judge('intercepted', { internal: [] }).code, 'TLS_UNKNOWN_ISSUER');
  });
  const cases: [CertVariant, string, string][] = [
    ['expired', 'fail', 'TLS_EXPIRED'],
    ['not-yet-valid', 'fail', 'TLS_NOT_YET_VALID'],
    ['wrong-host', 'fail', 'TLS_HOSTNAME_MISMATCH'],
    ['expiring-soon', 'warn', 'TLS_EXPIRES_SOON'],
  ];
  for (const [variant, status, code] of cases) {
    it(`${variant}: ${code}`, () => {
      const v = judge(variant);
      assert.equal(v.status, status);
      assert.equal(v.code, code);
    });
  }
  it('judges a clock that is wrong as not-yet-valid', () => {
    const v = judge('good', { now: new Date(now.getTime() - 60 * 86_400_000) });
    assert.equal(v.code, 'TLS_NOT_YET_VALID');
  });
  it('checks the host name, IP literals included', () => {
    assert.equal(judge('good', { host: '127.0.0.1' }).status, 'ok');
    assert.equal(judge('good', { host: 'evil.example' }).code, 'TLS_HOSTNAME_MISMATCH');
  });
  it('reports no certificate at all', () => {
    assert.equal(judge('good', { presented: [] }).code, 'TLS_NO_CERTIFICATE');
  });
});

describe('parsePemBundle', () => {
  it('reads every block and names the bad ones by position', () => {
    const good = pki().root.pem;
    const broken = '-----BEGIN CERTIFICATE-----\n!!!notbase64\n-----END CERTIFICATE-----\n';
    const notCert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const bundle = parsePemBundle(`${good}${broken}${notCert}${good}-----BEGIN CERTIFICATE-----\nMIIB`);
    assert.deepEqual(
      bundle.blocks.map((b) => b.error),
      [null, 'not valid base64', 'not a valid X.509 certificate', null, 'truncated: no END CERTIFICATE line'],
    );
  });
  it('recognises DER and HTML', () => {
    assert.equal(parsePemBundle(pki().root.cert.raw).looksLikeDer, true);
    assert.equal(parsePemBundle('<!DOCTYPE html><html></html>').looksLikeHtml, true);
  });
  it('tolerates CRLF line ends', () => {
    const crlf = pki().root.pem.replace(/\n/g, '\r\n');
    assert.equal(parsePemBundle(crlf).blocks[0]!.error, null);
  });
  it('reads the real YandexInternalRootCA and its pinned fingerprint', () => {
    const pem = readFileSync(path.join(ROOT, 'test', 'fixtures', 'YandexInternalRootCA.pem'));
    const cert = parsePemBundle(pem).blocks[0]!.cert!;
    assert.equal(
      cert.fingerprint256,
      'E3:C3:19:26:46:53:6B:C4:FF:AE:6D:D3:43:24:EF:9D:D8:D3:B1:6D:FA:13:A2:4E:13:18:0E:F1:4B:A2:1B:BA',
    );
    const verdict = verifyInternalBundle(parsePemBundle(pem), [cert.fingerprint256], new Date('2026-11-26'));
    assert.equal(verdict.roots.length, 1);
  });
});

describe('verifyInternalBundle', () => {
  it('keeps the pinned root and what chains to it, drops the rest', () => {
    const foreign = pki().variant('intercepted').chain;
    const bundle = parsePemBundle(pki().intermediate.pem + pki().root.pem + foreign);
    const v = verifyInternalBundle(bundle, pinned(), now);
    assert.equal(v.roots.length, 1);
    assert.deepEqual(
      v.kept.map((c) => c.subject),
      [pki().root.cert.subject, pki().intermediate.cert.subject],
    );
    assert.equal(v.dropped.length, 2);
    assert.ok(parsePemBundle(v.pem).blocks.every((b) => b.cert instanceof X509Certificate));
  });
  it('finds no root when the pin does not match', () => {
    const v = verifyInternalBundle(parsePemBundle(pki().bundlePem), [`${'AA:'.repeat(31)}AA`], now);
    assert.equal(v.roots.length, 0);
    assert.equal(v.pem, '');
  });
  it('reports an expired pinned root', () => {
    const v = verifyInternalBundle(
      parsePemBundle(pki().bundlePem),
      pinned(),
      new Date(now.getTime() + 20 * 365 * 86_400_000),
    );
    assert.equal(v.expiredRoots.length, 1);
  });
});
