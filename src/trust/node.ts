import path from 'node:path';
import type { Code } from '../codes.ts';
import { type CertInfo, describeCert, parsePemBundle } from '../pki/cert.ts';

/** What reading the NODE_EXTRA_CA_CERTS file gave. */
export type FileRead =
  | { kind: 'ok'; bytes: Buffer }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'directory' };

export interface NodeTrustInput {
  value: string | undefined;
  read: FileRead;
  /** For a value with colons: which of its parts exist. */
  existingParts: string[];
  /** The root the gateway's chain ends at, and intermediates the server does not send. */
  needed: { root: CertInfo; intermediates: CertInfo[]; chain: CertInfo[] };
}

export interface NodeTrustVerdict {
  ok: boolean;
  code: Code | null;
  /** A warning only: Node trusts the gateway, but something is off. */
  warning: boolean;
  summary: string;
  details: string[];
  /** The certificates Node actually loads from the file. */
  loaded: CertInfo[];
}

/**
 * Judges NODE_EXTRA_CA_CERTS the way Node reads it: one path, read once at start-up, PEM blocks
 * loaded in order until the first bad one, and only a self-signed root completes a chain
 * (Node does not set X509_V_FLAG_PARTIAL_CHAIN, so an intermediate alone is not enough).
 */
export function judgeNodeExtraCa(input: NodeTrustInput): NodeTrustVerdict {
  const { value, read, needed } = input;
  const rootName = needed.root.subject;
  const result = (
    ok: boolean,
    code: Code | null,
    summary: string,
    details: string[] = [],
    loaded: CertInfo[] = [],
    warning = false,
  ) => ({
    ok,
    code,
    warning,
    summary,
    details,
    loaded,
  });
  if (!value) {
    return result(
      false,
      'TRUST_NODE_CA_NOT_SET',
      `NODE_EXTRA_CA_CERTS is not set, so Node does not trust ${rootName}`,
    );
  }
  const relative = path.isAbsolute(value)
    ? []
    : [`${value} is a relative path: Node resolves it against the directory each program starts in`];
  switch (read.kind) {
    case 'missing':
      if (input.existingParts.length > 0) {
        return result(
          false,
          'TRUST_NODE_CA_PATH_LIST',
          `NODE_EXTRA_CA_CERTS=${value} looks like a list; Node takes one path only, so it loads nothing`,
          [`these parts exist: ${input.existingParts.join(', ')}; put their certificates into one file`],
        );
      }
      return result(
        false,
        'TRUST_NODE_CA_FILE_MISSING',
        `NODE_EXTRA_CA_CERTS names ${value}, which does not exist`,
        relative,
      );
    case 'unreadable':
      return result(
        false,
        'TRUST_NODE_CA_FILE_UNREADABLE',
        `NODE_EXTRA_CA_CERTS names ${value}, which cannot be read (${read.reason})`,
      );
    case 'directory':
      return result(
        false,
        'TRUST_NODE_CA_FILE_IS_DIRECTORY',
        `NODE_EXTRA_CA_CERTS names the directory ${value}; Node wants a PEM file and silently ignores a directory`,
      );
    case 'ok':
      break;
  }
  const bundle = parsePemBundle(read.bytes);
  if (bundle.blocks.length === 0) {
    const what = bundle.looksLikeDer
      ? 'a DER (binary) certificate'
      : bundle.looksLikeHtml
        ? 'an HTML page'
        : 'no PEM certificate';
    return result(
      false,
      'TRUST_NODE_CA_FILE_NOT_PEM',
      `NODE_EXTRA_CA_CERTS names ${value}, which holds ${what}; Node silently ignores it`,
      bundle.looksLikeDer ? [`convert it: openssl x509 -inform der -in ${value} -out ${value}.pem`] : [],
    );
  }
  const firstBad = bundle.blocks.find((b) => b.error);
  const loadedBlocks = firstBad ? bundle.blocks.slice(0, firstBad.index - 1) : bundle.blocks;
  const loaded = loadedBlocks.flatMap((b) => (b.cert ? [describeCert(b.cert)] : []));
  const all = bundle.blocks.flatMap((b) => (b.cert ? [describeCert(b.cert)] : []));
  const has = (list: CertInfo[], cert: CertInfo) => list.some((c) => c.sha256 === cert.sha256);
  const missingIntermediates = needed.intermediates.filter((c) => !has(loaded, c));
  const details = [
    ...relative,
    `Node loads ${loaded.length} of the ${bundle.blocks.length} certificate blocks: ${loaded.map((c) => c.subject).join(', ') || 'none'}`,
  ];
  const badBlock = firstBad
    ? `block ${firstBad.index} of ${value} is ${firstBad.error}; Node stops reading there`
    : '';

  if (has(loaded, needed.root) && missingIntermediates.length === 0) {
    if (firstBad) {
      return result(
        true,
        'TRUST_NODE_CA_FILE_MALFORMED',
        `${badBlock}, but ${rootName} comes before it`,
        details,
        loaded,
        true,
      );
    }
    return result(true, null, `NODE_EXTRA_CA_CERTS=${value} holds ${rootName}`, details, loaded);
  }
  if (firstBad && !has(loaded, needed.root)) {
    const after = has(all, needed.root)
      ? `, so ${rootName} after it is never loaded`
      : `, and no ${rootName} comes before it`;
    return result(false, 'TRUST_NODE_CA_FILE_MALFORMED', `${badBlock}${after}`, details, loaded);
  }
  if (has(loaded, needed.root)) {
    return result(
      false,
      'TRUST_NODE_CA_MISSING_INTERMEDIATE',
      `${value} holds ${rootName} but not ${missingIntermediates.map((c) => c.subject).join(', ')}, which the gateway does not send`,
      details,
      loaded,
    );
  }
  const chainCas = needed.chain.filter((c) => c.sha256 !== needed.root.sha256 && has(loaded, c));
  if (chainCas.length > 0) {
    return result(
      false,
      'TRUST_NODE_CA_INTERMEDIATE_ONLY',
      `${value} holds the intermediate ${chainCas.map((c) => c.subject).join(', ')} but not the root ${rootName}: curl accepts that, Node does not (UNABLE_TO_GET_ISSUER_CERT)`,
      details,
      loaded,
    );
  }
  const sample = loaded
    .slice(0, 3)
    .map((c) => c.subject)
    .join(', ');
  return result(
    false,
    'TRUST_NODE_CA_WRONG',
    `NODE_EXTRA_CA_CERTS=${value} holds ${loaded.length} certificate${loaded.length === 1 ? '' : 's'} (${sample}${loaded.length > 3 ? ', ...' : ''}), but not ${rootName}`,
    details,
    loaded,
  );
}

export function rootOf(chain: CertInfo[]): CertInfo | null {
  const top = chain.at(-1);
  return top?.selfSigned ? top : null;
}
