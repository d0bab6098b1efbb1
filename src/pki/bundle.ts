import type { X509Certificate } from 'node:crypto';
import {
  type CertInfo,
  describeCert,
  isIssuedBy,
  isSelfSigned,
  isValidAt,
  type PemBundle,
  toPem,
} from './cert.ts';

export interface BundleVerdict {
  /** The pinned roots found, and everything whose signatures chain to them. */
  kept: X509Certificate[];
  roots: X509Certificate[];
  dropped: { cert: CertInfo; reason: string }[];
  malformed: { index: number; error: string }[];
  expiredRoots: CertInfo[];
  /** The verified certificates as one PEM text. */
  pem: string;
}

/**
 * Keeps only the pinned roots and the certificates that chain to them by signature, so that a
 * bundle fetched over plain HTTP cannot slip in a CA of someone else's.
 */
export function verifyInternalBundle(bundle: PemBundle, pinned: string[], now: Date): BundleVerdict {
  const certs = bundle.blocks.flatMap((b) => (b.cert ? [b.cert] : []));
  const malformed = bundle.blocks.flatMap((b) => (b.error ? [{ index: b.index, error: b.error }] : []));
  const roots = unique(certs.filter((c) => pinned.includes(c.fingerprint256) && isSelfSigned(c)));
  const kept = [...roots];
  let grew = true;
  while (grew) {
    grew = false;
    for (const cert of certs) {
      if (kept.some((k) => k.fingerprint256 === cert.fingerprint256)) continue;
      if (kept.some((k) => isIssuedBy(cert, k))) {
        kept.push(cert);
        grew = true;
      }
    }
  }
  const dropped = unique(certs)
    .filter((c) => !kept.some((k) => k.fingerprint256 === c.fingerprint256))
    .map((c) => ({
      cert: describeCert(c),
      reason: isSelfSigned(c) ? 'a root that is not pinned' : 'does not chain to a pinned root',
    }));
  return {
    kept,
    roots,
    dropped,
    malformed,
    expiredRoots: roots.filter((r) => isValidAt(r, now) !== 'valid').map(describeCert),
    pem: kept.map(toPem).join(''),
  };
}

function unique(certs: X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.fingerprint256) && seen.add(c.fingerprint256));
}
