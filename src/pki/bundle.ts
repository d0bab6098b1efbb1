import type { X509Certificate } from 'node:crypto';
import {
  type CertInfo,
  describeCert,
  isIssuedBy,
  isSelfSigned,
  isValidAt,
  type PemBundle,
  shortName,
  toPem,
} from './cert.ts';
import { constraintsOf, issuerProblem } from './path.ts';

export interface BundleVerdict {
  /** The pinned roots in their validity, and the CAs that validly chain to them. */
  kept: X509Certificate[];
  /** The pinned roots found, in their validity or not. */
  roots: X509Certificate[];
  dropped: { cert: CertInfo; reason: string }[];
  malformed: { index: number; error: string }[];
  expiredRoots: CertInfo[];
  /** The verified certificates as one PEM text. */
  pem: string;
}

/**
 * Keeps only the pinned roots and the CA certificates that chain to them as RFC 5280 allows:
 * each issuer a CA allowed to sign certificates, within its path length, every certificate
 * inside its validity. What is kept is installed by `fix` and trusted by every tool, so a
 * server certificate (or a "CA" its key signed) never is, whatever the bundle's source.
 */
export function verifyInternalBundle(bundle: PemBundle, pinned: string[], now: Date): BundleVerdict {
  const certs = unique(bundle.blocks.flatMap((b) => (b.cert ? [b.cert] : [])));
  const malformed = bundle.blocks.flatMap((b) => (b.error ? [{ index: b.index, error: b.error }] : []));
  const roots = certs.filter((c) => pinned.includes(c.fingerprint256) && isSelfSigned(c));
  /** Each kept CA with how many CA certificates it still allows below it. */
  const kept = new Map<X509Certificate, number>();
  for (const root of roots) {
    if (isValidAt(root, now) === 'valid' && !issuerProblem(root, 0, true)) {
      kept.set(root, constraintsOf(root).pathLen ?? Number.POSITIVE_INFINITY);
    }
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const cert of certs) {
      if (kept.has(cert) || !mayBeKept(cert, now)) continue;
      const issuer = [...kept].find(([k, room]) => room >= 1 && isIssuedBy(cert, k));
      if (!issuer) continue;
      kept.set(cert, Math.min(issuer[1] - 1, constraintsOf(cert).pathLen ?? Number.POSITIVE_INFINITY));
      grew = true;
    }
  }
  const dropped = certs
    .filter((c) => !kept.has(c))
    .map((c) => ({ cert: describeCert(c), reason: whyDropped(c, pinned, kept, now) }));
  const list = [...kept.keys()];
  return {
    kept: list,
    roots,
    dropped,
    malformed,
    expiredRoots: roots.filter((r) => isValidAt(r, now) !== 'valid').map(describeCert),
    pem: list.map(toPem).join(''),
  };
}

/** A certificate that could join the bundle if a kept CA issued it. */
function mayBeKept(cert: X509Certificate, now: Date): boolean {
  const c = constraintsOf(cert);
  return !isSelfSigned(cert) && c.ca && c.keyCertSign !== false && isValidAt(cert, now) === 'valid';
}

function whyDropped(
  cert: X509Certificate,
  pinned: string[],
  kept: Map<X509Certificate, number>,
  now: Date,
): string {
  const state = isValidAt(cert, now);
  const dates =
    state === 'expired'
      ? `expired on ${cert.validTo}`
      : state === 'not-yet-valid'
        ? `valid only from ${cert.validFrom}`
        : null;
  if (isSelfSigned(cert)) {
    if (!pinned.includes(cert.fingerprint256)) return 'a root that is not pinned';
    return dates ?? issuerProblem(cert, 0, true) ?? 'the pinned root, unusable';
  }
  const c = constraintsOf(cert);
  if (!c.ca) return 'not a CA certificate (a server or client certificate): never trusted as an issuer';
  if (dates) return dates;
  if (c.keyCertSign === false) return 'may not sign certificates (its keyUsage lacks keyCertSign)';
  const full = [...kept.keys()].find((k) => isIssuedBy(cert, k));
  if (full) return `its issuer ${shortName(full.subject)} allows no further CA below it (pathLenConstraint)`;
  return 'does not chain to a pinned root through valid CA certificates';
}

function unique(certs: X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.fingerprint256) && seen.add(c.fingerprint256));
}
