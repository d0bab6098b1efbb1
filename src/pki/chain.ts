import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { Code } from '../codes.ts';
import { type CertInfo, describeCert, isIssuedBy, isSelfSigned, isValidAt, shortName } from './cert.ts';
import { issuerProblem, pathProblems } from './path.ts';

export const EXPIRY_WARNING_DAYS = 14;
const MAX_DEPTH = 10;

export interface ChainInput {
  /** As the server sent them, leaf first. */
  presented: X509Certificate[];
  host: string;
  now: Date;
  /** The verified internal bundle: pinned roots and what chains to them. May be empty. */
  internal: X509Certificate[];
  pinned: string[];
  /** Called only when the chain does not end at a pinned root: parsing 150 roots costs. */
  publicRoots: () => X509Certificate[];
}

export interface ChainVerdict {
  /** `undecidable`: the chain leads somewhere only the (missing) internal CA could confirm. */
  status: 'ok' | 'warn' | 'fail' | 'undecidable';
  code: Code | null;
  summary: string;
  /** The summary without its guess at a cause, for callers that know the cause. */
  fact: string;
  problems: string[];
  anchor: 'internal' | 'public' | null;
  /** Leaf first, up to the root it ends at (or as far as it could be followed). */
  path: CertInfo[];
  /** Certificates the server should have sent but the internal bundle had to supply. */
  supplied: CertInfo[];
  leafDaysLeft: number | null;
}

interface Finding {
  severity: 'fail' | 'warn';
  code: Code;
  text: string;
  /** A guess at the cause, said after the fact. */
  hint?: string;
}

const INTERCEPTION_HINT = 'is a proxy or antivirus intercepting TLS?';

export function judgeChain(input: ChainInput): ChainVerdict {
  const { presented, host, now, internal, pinned } = input;
  const leaf = presented[0];
  if (!leaf) {
    return verdict('fail', 'TLS_NO_CERTIFICATE', 'the server sent no certificate', [], null, [], [], null);
  }
  const path: X509Certificate[] = [leaf];
  const supplied: X509Certificate[] = [];
  const others = presented.slice(1);
  while (path.length < MAX_DEPTH) {
    const current = path.at(-1)!;
    if (isSelfSigned(current)) break;
    const fromServer = pick(
      others.filter((c) => !path.includes(c) && isIssuedBy(current, c)),
      now,
    );
    const fromInternal = fromServer
      ? undefined
      : pick(
          internal.filter((c) => isIssuedBy(current, c)),
          now,
        );
    const fromPublic =
      fromServer || fromInternal
        ? undefined
        : pick(
            input.publicRoots().filter((c) => isIssuedBy(current, c)),
            now,
          );
    const next = fromServer ?? fromInternal ?? fromPublic;
    if (!next) break;
    if (fromInternal && !isSelfSigned(fromInternal)) supplied.push(fromInternal);
    path.push(next);
  }

  const top = path.at(-1)!;
  const findings: Finding[] = [];
  let anchor: ChainVerdict['anchor'] = null;
  if (isSelfSigned(top)) {
    if (pinned.includes(top.fingerprint256)) anchor = 'internal';
    else if (input.publicRoots().some((r) => r.fingerprint256 === top.fingerprint256)) anchor = 'public';
    else {
      findings.push({
        severity: 'fail',
        code: 'TLS_UNKNOWN_ISSUER',
        text: `the chain ends at ${shortName(top.subject)} (SHA-256 ${top.fingerprint256}), which is neither a public root nor the pinned internal root`,
        hint: INTERCEPTION_HINT,
      });
    }
  } else if (internal.length === 0) {
    return verdict(
      'undecidable',
      null,
      `the chain leads to ${shortName(top.issuer)}, which only the internal CA can confirm, and no verified copy of it is available`,
      [],
      null,
      path,
      supplied,
      daysLeft(leaf, now),
    );
  } else if (path.length === 1) {
    findings.push({
      severity: 'fail',
      code: 'TLS_MISSING_INTERMEDIATE',
      text: `the gateway sent only its own certificate, and its issuer ${shortName(top.issuer)} is neither sent nor in the internal CA bundle`,
    });
  } else {
    findings.push({
      severity: 'fail',
      code: 'TLS_UNKNOWN_ISSUER',
      text: `the chain ends at ${shortName(top.subject)}, issued by ${shortName(top.issuer)}, which is neither a public root nor the pinned internal root`,
      hint: INTERCEPTION_HINT,
    });
  }

  // Signatures and names make a path; only the CA rules make it one a client must accept.
  if (anchor) {
    const broken = pathProblems(path, true);
    if (broken.length > 0) {
      findings.push({
        severity: 'fail',
        code: 'TLS_INVALID_PATH',
        text: `the chain breaks the rules for CA certificates: ${broken.join('; ')}`,
      });
    }
  }

  for (const cert of path) {
    const role = cert === leaf ? 'the gateway certificate' : `the CA certificate ${shortName(cert.subject)}`;
    const state = isValidAt(cert, now);
    if (state === 'expired') {
      findings.push({
        severity: 'fail',
        code: 'TLS_EXPIRED',
        text: `${role} expired on ${day(cert.validTo)}`,
      });
    } else if (state === 'not-yet-valid') {
      findings.push({
        severity: 'fail',
        code: 'TLS_NOT_YET_VALID',
        text: `${role} is valid only from ${day(cert.validFrom)} (is this machine's clock right? it says ${now.toISOString()})`,
      });
    }
  }

  if (!matchesHost(leaf, host)) {
    findings.push({
      severity: 'fail',
      code: 'TLS_HOSTNAME_MISMATCH',
      text: `the certificate is for ${namesOf(leaf)}, not ${host}`,
    });
  }
  if (supplied.length > 0) {
    findings.push({
      severity: 'warn',
      code: 'TLS_MISSING_INTERMEDIATE',
      text:
        `the gateway did not send ${supplied.map((c) => shortName(c.subject)).join(', ')}; it was taken from the ` +
        'internal CA bundle, so clients that trust only the root will fail',
    });
  }
  const left = daysLeft(leaf, now);
  if (left !== null && left >= 0 && left < EXPIRY_WARNING_DAYS && isValidAt(leaf, now) === 'valid') {
    findings.push({
      severity: 'warn',
      code: 'TLS_EXPIRES_SOON',
      text: `the gateway certificate expires in ${left} day${left === 1 ? '' : 's'}, on ${day(leaf.validTo)}`,
    });
  }

  const primary = findings.find((f) => f.severity === 'fail') ?? findings[0];
  const said = (f: Finding) => (f.hint ? `${f.text}: ${f.hint}` : f.text);
  const rest = findings.filter((f) => f !== primary).map(said);
  if (!primary) {
    const where = anchor === 'internal' ? 'the pinned internal root' : 'a public root';
    return verdict(
      'ok',
      null,
      `chain ends at ${shortName(top.subject)}, ${where}`,
      rest,
      anchor,
      path,
      supplied,
      left,
    );
  }
  return verdict(
    primary.severity,
    primary.code,
    said(primary),
    rest,
    anchor,
    path,
    supplied,
    left,
    primary.text,
  );
}

/** Of several certificates that could be the issuer, one that may issue: a CA, in its validity. */
function pick(candidates: X509Certificate[], now: Date): X509Certificate | undefined {
  return (
    candidates.find((c) => !issuerProblem(c, 0, isSelfSigned(c)) && isValidAt(c, now) === 'valid') ??
    candidates[0]
  );
}

function verdict(
  status: ChainVerdict['status'],
  code: Code | null,
  summary: string,
  problems: string[],
  anchor: ChainVerdict['anchor'],
  path: X509Certificate[],
  supplied: X509Certificate[],
  leafDaysLeft: number | null,
  fact = summary,
): ChainVerdict {
  return {
    status,
    code,
    summary,
    fact,
    problems,
    anchor,
    path: path.map(describeCert),
    supplied: supplied.map(describeCert),
    leafDaysLeft,
  };
}

export function matchesHost(cert: X509Certificate, host: string): boolean {
  if (isIP(host)) return cert.checkIP(host) !== undefined;
  return cert.checkHost(host) !== undefined;
}

function namesOf(cert: X509Certificate): string {
  const san = cert.subjectAltName;
  if (san) return san.replace(/DNS:/g, '').replace(/IP Address:/g, '');
  return shortName(cert.subject);
}

function daysLeft(cert: X509Certificate, now: Date): number | null {
  const ms = new Date(cert.validTo).getTime() - now.getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 86_400_000) : null;
}

function day(text: string): string {
  return new Date(text).toISOString().slice(0, 10);
}

let publicRootsCache: X509Certificate[] | null = null;
/** Node's bundled roots: what a Node client trusts with no configuration at all. */
export function bundledRoots(): X509Certificate[] {
  publicRootsCache ??= rootCertificates.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
  return publicRootsCache;
}
