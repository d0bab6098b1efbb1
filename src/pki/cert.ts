import { createHash, X509Certificate } from 'node:crypto';

/** The facts of one certificate, as reports show them. */
export interface CertInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  sha256: string;
  isCA: boolean;
  selfSigned: boolean;
  keyType: string;
}

export interface PemBlock {
  /** 1-based position among the BEGIN CERTIFICATE blocks. */
  index: number;
  pem: string;
  cert: X509Certificate | null;
  error: string | null;
}

export interface PemBundle {
  blocks: PemBlock[];
  /** The file looks like DER (binary ASN.1), which no PEM reader accepts. */
  looksLikeDer: boolean;
  /** The file looks like an HTML page (a proxy's or captive portal's answer). */
  looksLikeHtml: boolean;
}

const BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const OPEN_BLOCK = /-----BEGIN CERTIFICATE-----(?![\s\S]*?-----END CERTIFICATE-----)/;

/**
 * Each certificate block once, in order, as one PEM text: a client's list is often the OS store
 * and Node's bundled roots, the same Mozilla set twice, and OpenSSL parses a duplicate (a fifth of
 * a ms each) before it drops it. Text outside the blocks goes, as OpenSSL skips it; a bad block
 * stays where it was, so that OpenSSL stops at it as it would have.
 */
export function distinctCertBlocks(text: string): string {
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const [block, body] of text.matchAll(BLOCK)) {
    const key = body!.replace(/\s+/g, '');
    if (seen.has(key)) continue;
    seen.add(key);
    blocks.push(block);
  }
  return blocks.join('\n');
}

/** Never throws: a bad block is reported as such, with its position. */
export function parsePemBundle(content: Buffer | string): PemBundle {
  const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const looksLikeDer = buffer.length > 2 && buffer[0] === 0x30 && (buffer[1]! & 0x80) !== 0;
  const text = buffer.toString('latin1');
  const looksLikeHtml = /^\s*(<!doctype html|<html|<head|<body)/i.test(text);
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const index = blocks.length + 1;
    const body = match[1]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      blocks.push({ index, pem: match[0], cert: null, error: 'not valid base64' });
      continue;
    }
    try {
      const cert = new X509Certificate(Buffer.from(body, 'base64'));
      blocks.push({ index, pem: toPem(cert), cert, error: null });
    } catch {
      blocks.push({ index, pem: match[0], cert: null, error: 'not a valid X.509 certificate' });
    }
  }
  if (OPEN_BLOCK.test(text)) {
    blocks.push({
      index: blocks.length + 1,
      pem: '',
      cert: null,
      error: 'truncated: no END CERTIFICATE line',
    });
  }
  return { blocks, looksLikeDer, looksLikeHtml };
}

export function toPem(cert: X509Certificate): string {
  const base64 = cert.raw
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

export function isSelfSigned(cert: X509Certificate): boolean {
  if (cert.subject !== cert.issuer) return false;
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** Name match is not enough (checkIssued compares names only): the signature must verify. */
export function isIssuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** "CN=YandexInternalRootCA" style: the CN when there is one, else the whole name on one line. */
export function shortName(dn: string): string {
  const cn = dn.split('\n').find((line) => line.startsWith('CN='));
  return cn ?? dn.split('\n').join(', ');
}

export function describeCert(cert: X509Certificate): CertInfo {
  return {
    subject: shortName(cert.subject),
    issuer: shortName(cert.issuer),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    sha256: cert.fingerprint256,
    isCA: cert.ca,
    selfSigned: isSelfSigned(cert),
    keyType: keyTypeOf(cert),
  };
}

function keyTypeOf(cert: X509Certificate): string {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength) return `RSA ${details.modulusLength}`;
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve) return `ECDSA ${details.namedCurve}`;
  return key.asymmetricKeyType?.toUpperCase() ?? 'unknown';
}

export function isValidAt(cert: X509Certificate, now: Date): 'valid' | 'expired' | 'not-yet-valid' {
  if (now.getTime() < new Date(cert.validFrom).getTime()) return 'not-yet-valid';
  if (now.getTime() > new Date(cert.validTo).getTime()) return 'expired';
  return 'valid';
}

/**
 * SHA-256 fingerprints of a PEM text's certificate blocks without parsing them: enough to tell
 * whether a large bundle (a system store) holds a pinned root before paying to parse it.
 */
export function quickFingerprints(content: Buffer | string): string[] {
  const text = typeof content === 'string' ? content : content.toString('latin1');
  return [...text.matchAll(BLOCK)].map((m) =>
    createHash('sha256')
      .update(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))
      .digest('hex')
      .toUpperCase()
      .match(/../g)!
      .join(':'),
  );
}
