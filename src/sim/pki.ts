import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * A test PKI made fresh per run. node-forge only encodes ASN.1 here: its certificate builder
 * knows RSA keys alone, and the sim needs ECDSA too, so keys and signatures come from node:crypto.
 */
export interface Issued {
  cert: X509Certificate;
  pem: string;
  key: KeyObject;
  keyPem: string;
}

export interface CertSpec {
  commonName: string;
  /** Extra name parts before the CN, e.g. [['DC', 'ru'], ['DC', 'yandex']]. */
  nameParts?: [string, string][];
  issuer?: Issued;
  /** Reuse a key (leaves may share one); else a new one of keyType. */
  key?: { publicKey: KeyObject; privateKey: KeyObject };
  keyType?: 'rsa' | 'ec';
  ca?: boolean;
  /** basicConstraints pathLenConstraint of a CA. */
  pathLen?: number;
  /** A CA whose keyUsage leaves out keyCertSign (a broken or forged CA); default false. */
  withoutCertSign?: boolean;
  names?: string[];
  notBefore: Date;
  notAfter: Date;
}

const { asn1 } = forge;
const T = asn1.Type;
const C = asn1.Class;

const OID = {
  commonName: '2.5.4.3',
  domainComponent: '0.9.2342.19200300.100.1.25',
  organization: '2.5.4.10',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
};

export function newKeyPair(type: 'rsa' | 'ec'): { publicKey: KeyObject; privateKey: KeyObject } {
  return type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function issue(spec: CertSpec): Issued {
  const keys = spec.key ?? newKeyPair(spec.keyType ?? 'rsa');
  const spkiDer = keys.publicKey.export({ type: 'spki', format: 'der' });
  const spki = fromDer(spkiDer);
  const keyId = createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest();
  const subject = nameAsn1([...(spec.nameParts ?? []), ['CN', spec.commonName]]);
  const issuerName = spec.issuer ? subjectOf(spec.issuer.cert) : undefined;
  const issuerKeyId = spec.issuer ? keyIdOf(spec.issuer.cert) : keyId;
  const signer = spec.issuer?.key ?? keys.privateKey;
  const sigAlg = algorithmAsn1(signer.asymmetricKeyType === 'ec' ? OID.ecdsaWithSHA256 : OID.sha256WithRSA);

  const extensions = [
    extension(
      OID.basicConstraints,
      true,
      seq([
        ...(spec.ca ? [asn1.create(C.UNIVERSAL, T.BOOLEAN, false, '\xff')] : []),
        ...(spec.ca && spec.pathLen !== undefined
          ? [asn1.create(C.UNIVERSAL, T.INTEGER, false, String.fromCharCode(spec.pathLen))]
          : []),
      ]),
    ),
    extension(
      OID.keyUsage,
      true,
      keyUsage((spec.ca ?? false) && !spec.withoutCertSign, keys.publicKey.asymmetricKeyType === 'ec'),
    ),
    extension(OID.subjectKeyIdentifier, false, octets(keyId)),
    extension(
      OID.authorityKeyIdentifier,
      false,
      seq([asn1.create(C.CONTEXT_SPECIFIC, 0, false, bin(issuerKeyId))]),
    ),
  ];
  if (!spec.ca) extensions.push(extension(OID.extKeyUsage, false, seq([oid(OID.serverAuth)])));
  if (spec.names?.length)
    extensions.push(extension(OID.subjectAltName, false, seq(spec.names.map(generalName))));

  const serial = randomBytes(16);
  // Positive and minimally encoded: DER allows no leading zero byte.
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  const tbs = seq([
    asn1.create(C.CONTEXT_SPECIFIC, 0, true, [asn1.create(C.UNIVERSAL, T.INTEGER, false, '\x02')]),
    asn1.create(C.UNIVERSAL, T.INTEGER, false, bin(serial)),
    sigAlg,
    issuerName ?? subject,
    seq([time(spec.notBefore), time(spec.notAfter)]),
    subject,
    spki,
    asn1.create(C.CONTEXT_SPECIFIC, 3, true, [seq(extensions)]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, signer);
  const certificate = seq([
    tbs,
    sigAlg,
    asn1.create(C.UNIVERSAL, T.BITSTRING, false, `\x00${bin(signature)}`),
  ]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  const cert = new X509Certificate(der);
  return {
    cert,
    pem: cert.toString(),
    key: keys.privateKey,
    keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** forge's types omit the options form; without it, BIT STRING contents get parsed as ASN.1. */
function fromDer(der: Buffer): forge.asn1.Asn1 {
  return (asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1)(bin(der), {
    decodeBitStrings: false,
  });
}

function bin(buffer: Buffer): string {
  return buffer.toString('binary');
}

function seq(value: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(C.UNIVERSAL, T.SEQUENCE, true, value);
}

function oid(id: string): forge.asn1.Asn1 {
  return asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(id).getBytes());
}

function octets(bytes: Buffer): forge.asn1.Asn1 {
  return asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, bin(bytes));
}

function algorithmAsn1(id: string): forge.asn1.Asn1 {
  // RSA signatures carry an explicit NULL parameter; ECDSA ones carry none (RFC 5758).
  return id === OID.sha256WithRSA
    ? seq([oid(id), asn1.create(C.UNIVERSAL, T.NULL, false, '')])
    : seq([oid(id)]);
}

function nameAsn1(parts: [string, string][]): forge.asn1.Asn1 {
  const ids: Record<string, string> = { CN: OID.commonName, DC: OID.domainComponent, O: OID.organization };
  return seq(
    parts.map(([type, value]) =>
      asn1.create(C.UNIVERSAL, T.SET, true, [
        seq([
          oid(ids[type]!),
          asn1.create(C.UNIVERSAL, type === 'DC' ? T.IA5STRING : T.UTF8, false, forge.util.encodeUtf8(value)),
        ]),
      ]),
    ),
  );
}

function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(C.UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(C.UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(C.UNIVERSAL, T.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, asn1.toDer(value).getBytes()));
  return seq(parts);
}

function keyUsage(ca: boolean, ec: boolean): forge.asn1.Asn1 {
  // The first content byte of a BIT STRING counts the unused bits of the last byte.
  // CA: digitalSignature, keyCertSign, cRLSign. Leaf: digitalSignature (+ keyEncipherment for RSA).
  const [unused, bits] = ca ? [1, 0x86] : ec ? [7, 0x80] : [5, 0xa0];
  return asn1.create(C.UNIVERSAL, T.BITSTRING, false, String.fromCharCode(unused, bits));
}

function generalName(name: string): forge.asn1.Asn1 {
  const family = isIP(name);
  if (family === 0) return asn1.create(C.CONTEXT_SPECIFIC, 2, false, name);
  const bytes =
    family === 4
      ? Buffer.from(name.split('.').map(Number))
      : Buffer.from(expandIpv6(name).replace(/:/g, ''), 'hex');
  return asn1.create(C.CONTEXT_SPECIFIC, 7, false, bin(bytes));
}

function expandIpv6(address: string): string {
  const [head = '', tail = ''] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  return [...headParts, ...Array(missing).fill('0'), ...tailParts].map((p) => p.padStart(4, '0')).join(':');
}

function subjectOf(cert: X509Certificate): forge.asn1.Asn1 {
  const certificate = fromDer(cert.raw);
  const tbs = (certificate.value as forge.asn1.Asn1[])[0]!;
  return (tbs.value as forge.asn1.Asn1[])[5]!;
}

function subjectPublicKeyBits(spkiDer: Buffer): Buffer {
  const spki = fromDer(spkiDer);
  const bitString = (spki.value as forge.asn1.Asn1[])[1]!;
  return Buffer.from((bitString.value as string).slice(1), 'binary');
}

function keyIdOf(cert: X509Certificate): Buffer {
  const spkiDer = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest();
}

export interface SimPki {
  root: Issued;
  intermediate: Issued;
  leaf: Issued;
  /** allCAs.pem as the distribution point serves it: the root and the intermediate. */
  bundlePem: string;
  /** Certificates made on demand for the certificate faults, cached. */
  variant(name: CertVariant): { chain: string; key: string };
}

export type CertVariant =
  | 'good'
  | 'leaf-only'
  | 'expired'
  | 'not-yet-valid'
  | 'expiring-soon'
  | 'wrong-host'
  | 'ecdsa'
  | 'intercepted';

export const GATEWAY_NAMES = ['api.eliza.yandex.net', 'localhost', '127.0.0.1', '::1'];
const DAY = 86_400_000;

export function createSimPki(now = new Date()): SimPki {
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const ahead = (days: number) => new Date(now.getTime() + days * DAY);
  const root = issue({
    commonName: 'Eliza Doctor Test Root CA',
    ca: true,
    notBefore: ago(365),
    notAfter: ahead(3650),
  });
  const intermediate = issue({
    commonName: 'Eliza Doctor Test Intermediate CA',
    nameParts: [
      ['DC', 'test'],
      ['DC', 'eliza-doctor'],
    ],
    issuer: root,
    ca: true,
    notBefore: ago(365),
    notAfter: ahead(1825),
  });
  const leafKeys = newKeyPair('rsa');
  const leafSpec = (overrides: Partial<CertSpec>): CertSpec => ({
    commonName: 'api.eliza.yandex.net',
    issuer: intermediate,
    key: leafKeys,
    names: GATEWAY_NAMES,
    notBefore: ago(30),
    notAfter: ahead(300),
    ...overrides,
  });
  const leaf = issue(leafSpec({}));
  const cache = new Map<CertVariant, { chain: string; key: string }>();
  const make = (variant: CertVariant): { chain: string; key: string } => {
    switch (variant) {
      case 'good':
        return { chain: leaf.pem + intermediate.pem, key: leaf.keyPem };
      case 'leaf-only':
        return { chain: leaf.pem, key: leaf.keyPem };
      case 'expired': {
        const c = issue(leafSpec({ notBefore: ago(400), notAfter: ago(3) }));
        return { chain: c.pem + intermediate.pem, key: c.keyPem };
      }
      case 'not-yet-valid': {
        const c = issue(leafSpec({ notBefore: ahead(2), notAfter: ahead(400) }));
        return { chain: c.pem + intermediate.pem, key: c.keyPem };
      }
      case 'expiring-soon': {
        const c = issue(leafSpec({ notAfter: ahead(5) }));
        return { chain: c.pem + intermediate.pem, key: c.keyPem };
      }
      case 'wrong-host': {
        const c = issue(leafSpec({ commonName: 'other.example.net', names: ['other.example.net'] }));
        return { chain: c.pem + intermediate.pem, key: c.keyPem };
      }
      case 'ecdsa': {
        const c = issue(leafSpec({ key: newKeyPair('ec') }));
        return { chain: c.pem + intermediate.pem, key: c.keyPem };
      }
      case 'intercepted': {
        const rogueRoot = issue({
          commonName: 'Corporate TLS Inspection CA',
          keyType: 'ec',
          ca: true,
          notBefore: ago(10),
          notAfter: ahead(365),
        });
        const c = issue(leafSpec({ issuer: rogueRoot, key: newKeyPair('ec') }));
        return { chain: c.pem + rogueRoot.pem, key: c.keyPem };
      }
    }
  };
  return {
    root,
    intermediate,
    leaf,
    bundlePem: root.pem + intermediate.pem,
    variant(name) {
      let made = cache.get(name);
      if (!made) {
        made = make(name);
        cache.set(name, made);
      }
      return made;
    },
  };
}
