import type { X509Certificate } from 'node:crypto';
import type forge from 'node-forge';
// asn1 (with util and oids) alone: the whole of forge is a third of the bundle, and its ciphers
// and TLS set themselves up as it loads, in every run's start-up, for a parse of two extensions.
import asn1 from 'node-forge/lib/asn1.js';
import util from 'node-forge/lib/util.js';
import { shortName } from './cert.ts';

/**
 * The RFC 5280 rules that decide whether a certificate may issue others. Names and signatures
 * say who signed what; only these say whether the signer was allowed to: without them, whoever
 * holds the key of any server certificate under the pinned root could act as a CA.
 */
export interface IssuerConstraints {
  /** basicConstraints cA; false when the extension is absent (RFC 5280 4.2.1.9). */
  ca: boolean;
  /** basicConstraints present at all: a v1 root has none, and is trusted by its pin alone. */
  hasBasicConstraints: boolean;
  /** Intermediate CAs allowed below this one (pathLenConstraint); null when unlimited. */
  pathLen: number | null;
  /** keyUsage keyCertSign; null when keyUsage is absent (then every use is allowed). */
  keyCertSign: boolean | null;
}

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
/** keyCertSign is bit 5 of the keyUsage BIT STRING: 0x04 in its first byte. */
const KEY_CERT_SIGN = 0x04;

const cache = new WeakMap<X509Certificate, IssuerConstraints>();

/** Never throws: a certificate whose extensions cannot be read may issue nothing. */
export function constraintsOf(cert: X509Certificate): IssuerConstraints {
  let known = cache.get(cert);
  if (!known) {
    try {
      known = readConstraints(cert.raw);
    } catch {
      known = { ca: false, hasBasicConstraints: false, pathLen: null, keyCertSign: false };
    }
    cache.set(cert, known);
  }
  return known;
}

type Asn1 = forge.asn1.Asn1;

function readConstraints(der: Buffer): IssuerConstraints {
  const result: IssuerConstraints = {
    ca: false,
    hasBasicConstraints: false,
    pathLen: null,
    keyCertSign: null,
  };
  const certificate = parse(der.toString('binary'));
  const tbs = children(certificate)[0]!;
  const wrapper = children(tbs).find(
    (part) => part.tagClass === asn1.Class.CONTEXT_SPECIFIC && part.type === 3,
  );
  if (!wrapper) return result;
  for (const extension of children(children(wrapper)[0]!)) {
    const parts = children(extension);
    const id = asn1.derToOid(util.createBuffer(parts[0]!.value as string));
    const value = parts.at(-1)!.value as string;
    if (id === BASIC_CONSTRAINTS) {
      result.hasBasicConstraints = true;
      for (const field of children(parse(value))) {
        const bytes = field.value as string;
        if (field.type === asn1.Type.BOOLEAN) result.ca = bytes.charCodeAt(0) !== 0;
        if (field.type === asn1.Type.INTEGER) result.pathLen = unsigned(bytes);
      }
    } else if (id === KEY_USAGE) {
      // The first content byte counts the unused bits; the flags follow.
      const bits = parse(value).value as string;
      result.keyCertSign = bits.length > 1 && (bits.charCodeAt(1) & KEY_CERT_SIGN) !== 0;
    }
  }
  return result;
}

/** forge's types omit the options form; without it, BIT STRING contents get parsed as ASN.1. */
function parse(bytes: string): Asn1 {
  return (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(bytes, {
    decodeBitStrings: false,
    strict: true,
  });
}

function children(node: Asn1): Asn1[] {
  if (!Array.isArray(node.value)) throw new Error('not a constructed ASN.1 value');
  return node.value;
}

function unsigned(bytes: string): number {
  let n = 0;
  for (const ch of bytes) n = n * 256 + ch.charCodeAt(0);
  return bytes.length > 6 ? Number.MAX_SAFE_INTEGER : n;
}

/**
 * Why `issuer` may not have issued the certificate below it, or null. `casBelow` counts the
 * intermediate CA certificates between the issuer and the end of the path (the leaf not counted).
 * A trust anchor (a pinned or public root) is trusted by who it is, so it may lack
 * basicConstraints (old v1 roots), but a root that says it is not a CA, or may not sign
 * certificates, or allows fewer CAs below it, is held to what it says.
 */
export function issuerProblem(issuer: X509Certificate, casBelow: number, anchor: boolean): string | null {
  const c = constraintsOf(issuer);
  const name = shortName(issuer.subject);
  if (!c.ca && !(anchor && !c.hasBasicConstraints))
    return `${name} is not a CA certificate (basicConstraints cA is not set)`;
  if (c.keyCertSign === false) return `${name} may not sign certificates (its keyUsage lacks keyCertSign)`;
  if (c.pathLen !== null && casBelow > c.pathLen) {
    return `${name} allows ${c.pathLen} CA certificate${c.pathLen === 1 ? '' : 's'} below it (pathLenConstraint), and the path has ${casBelow}`;
  }
  return null;
}

/**
 * The issuer rules along a path built leaf first, the trust anchor last (when `anchored`).
 * Names, signatures and dates are the caller's: it built the path and words dates for the user.
 */
export function pathProblems(path: X509Certificate[], anchored: boolean): string[] {
  const problems: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const cert = path[i]!;
    // Self-issued certificates (key rollover) do not count towards a pathLenConstraint.
    const casBelow = path.slice(1, i).filter((c) => c.subject !== c.issuer).length;
    const problem = issuerProblem(cert, casBelow, anchored && i === path.length - 1);
    if (problem) problems.push(problem);
  }
  return problems;
}
