import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeCert } from '../../src/pki/cert.ts';
import { type FileRead, judgeNodeExtraCa } from '../../src/trust/node.ts';
import { pki } from '../helpers/cli.ts';

const root = () => describeCert(pki().root.cert);
const intermediate = () => describeCert(pki().intermediate.cert);
const leaf = () => describeCert(pki().leaf.cert);
const needed = () => ({ root: root(), intermediates: [], chain: [leaf(), intermediate(), root()] });
const file = (text: string | Buffer): FileRead => ({ kind: 'ok', bytes: Buffer.from(text) });
const judge = (value: string | undefined, read: FileRead, existingParts: string[] = []) =>
  judgeNodeExtraCa({ value, read, existingParts, needed: needed() });
const bad = '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n';

describe('judgeNodeExtraCa: NODE_EXTRA_CA_CERTS as Node reads it', () => {
  const cases: [string, () => ReturnType<typeof judge>, boolean, string | null][] = [
    ['unset', () => judge(undefined, { kind: 'missing' }), false, 'TRUST_NODE_CA_NOT_SET'],
    ['a missing file', () => judge('/nope.pem', { kind: 'missing' }), false, 'TRUST_NODE_CA_FILE_MISSING'],
    [
      'a list of paths',
      () => judge('/a.pem:/b.pem', { kind: 'missing' }, ['/a.pem']),
      false,
      'TRUST_NODE_CA_PATH_LIST',
    ],
    [
      'an unreadable file',
      () => judge('/x.pem', { kind: 'unreadable', reason: 'permission denied' }),
      false,
      'TRUST_NODE_CA_FILE_UNREADABLE',
    ],
    [
      'a directory',
      () => judge('/etc/ssl/certs', { kind: 'directory' }),
      false,
      'TRUST_NODE_CA_FILE_IS_DIRECTORY',
    ],
    ['a DER file', () => judge('/x.crt', file(pki().root.cert.raw)), false, 'TRUST_NODE_CA_FILE_NOT_PEM'],
    ['an empty file', () => judge('/x.pem', file('')), false, 'TRUST_NODE_CA_FILE_NOT_PEM'],
    ['the right bundle', () => judge('/x.pem', file(pki().bundlePem)), true, null],
    ['the root alone', () => judge('/x.pem', file(pki().root.pem)), true, null],
    [
      'the intermediate alone',
      () => judge('/x.pem', file(pki().intermediate.pem)),
      false,
      'TRUST_NODE_CA_INTERMEDIATE_ONLY',
    ],
    [
      'a bad block before the root',
      () => judge('/x.pem', file(bad + pki().root.pem)),
      false,
      'TRUST_NODE_CA_FILE_MALFORMED',
    ],
    [
      'a bad block after the root',
      () => judge('/x.pem', file(pki().root.pem + bad)),
      true,
      'TRUST_NODE_CA_FILE_MALFORMED',
    ],
    [
      'the wrong CA',
      () => judge('/x.pem', file(pki().variant('intercepted').chain)),
      false,
      'TRUST_NODE_CA_WRONG',
    ],
  ];
  for (const [what, run, ok, code] of cases) {
    it(`${what}: ${code ?? 'trusted'}`, () => {
      const v = run();
      assert.equal(v.ok, ok);
      assert.equal(v.code, code);
      assert.ok(v.summary.length > 0 && !v.summary.includes('\n'));
    });
  }
  it('wants the intermediate too when the gateway does not send it', () => {
    const v = judgeNodeExtraCa({
      value: '/x.pem',
      read: file(pki().root.pem),
      existingParts: [],
      needed: { ...needed(), intermediates: [intermediate()] },
    });
    assert.equal(v.code, 'TRUST_NODE_CA_MISSING_INTERMEDIATE');
  });
  it('mentions a relative path', () => {
    assert.match(judge('ca.pem', { kind: 'missing' }).details.join(' '), /relative/);
  });
});
