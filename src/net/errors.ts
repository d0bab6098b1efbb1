/**
 * The one place where low-level errors (errno codes, OpenSSL verify codes, undici codes, aborts)
 * become the doctor's vocabulary of failure kinds; each check maps the kinds it can meet to its
 * codes (src/codes.ts).
 */
export type FailureKind =
  | 'dns-not-found'
  | 'dns-temporary'
  | 'timeout'
  | 'refused'
  | 'reset'
  | 'unreachable'
  | 'not-tls'
  | 'tls-untrusted'
  | 'tls-expired'
  | 'tls-not-yet-valid'
  | 'tls-hostname'
  | 'tls-other'
  | 'too-large'
  | 'proxy-auth'
  | 'proxy-refused'
  | 'interrupted'
  | 'other';

export interface NetFailure {
  kind: FailureKind;
  /** The low-level code that decided it (ECONNREFUSED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, ...). */
  cause: string;
  message: string;
}

const BY_CODE: Record<string, FailureKind> = {
  ENOTFOUND: 'dns-not-found',
  EAI_NONAME: 'dns-not-found',
  EAI_NODATA: 'dns-not-found',
  EAI_FAIL: 'dns-temporary',
  EAI_AGAIN: 'dns-temporary',
  ESERVFAIL: 'dns-temporary',
  ETIMEOUT: 'dns-temporary',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ERR_TLS_HANDSHAKE_CLOSED: 'reset',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EAFNOSUPPORT: 'unreachable',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not-tls',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'not-tls',
  ERR_SSL_HTTP_REQUEST: 'not-tls',
  ERR_SSL_UNKNOWN_PROTOCOL: 'not-tls',
  ERR_SSL_RECORD_LAYER_FAILURE: 'not-tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'tls-untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-untrusted',
  CERT_UNTRUSTED: 'tls-untrusted',
  CERT_SIGNATURE_FAILURE: 'tls-untrusted',
  CERT_HAS_EXPIRED: 'tls-expired',
  CERT_NOT_YET_VALID: 'tls-not-yet-valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-hostname',
  HOSTNAME_MISMATCH: 'tls-hostname',
  BODY_TOO_LARGE: 'too-large',
};

/**
 * OpenSSL's verdicts on a chain against the anchors it was given (X509_V_ERR_*, as Node names them
 * in an error's code): another set of anchors may judge the same chain otherwise. A hostname that
 * does not match is not among them: Node checks it only once the chain has verified.
 */
const CHAIN_VERDICTS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** The failure is OpenSSL's verdict on the chain, not on the name, the network or the protocol. */
export function isChainVerdict(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const code = (current as ErrorLike).code;
    if (typeof code === 'string' && CHAIN_VERDICTS.has(code)) return true;
    current = (current as ErrorLike).cause;
  }
  return false;
}

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  reason?: unknown;
}

/** Walks the whole cause chain: fetch and undici hide the real error one or two levels down. */
export function classifyError(error: unknown, interrupted = false): NetFailure {
  if (interrupted) return { kind: 'interrupted', cause: 'ABORT', message: 'interrupted' };
  const chain: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && chain.length < 8) {
    chain.push(current as ErrorLike);
    const next = (current as ErrorLike).cause ?? (current as ErrorLike).reason;
    if (next === current) break;
    current = next;
  }
  for (const link of chain) {
    const code = typeof link.code === 'string' ? link.code : '';
    const kind = BY_CODE[code];
    if (kind) return { kind, cause: code, message: messageOf(link) };
    if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
      return { kind: 'tls-other', cause: code, message: messageOf(link) };
    }
  }
  for (const link of chain) {
    // undici's ProxyAgent: "Proxy response (407) !== 200 when HTTP Tunneling"
    const status =
      typeof link.message === 'string' ? /Proxy response \((\d{3})\)/.exec(link.message)?.[1] : undefined;
    if (status)
      return {
        kind: status === '407' ? 'proxy-auth' : 'proxy-refused',
        cause: `HTTP ${status}`,
        message: link.message as string,
      };
  }
  for (const link of chain) {
    if (link.name === 'TimeoutError') return { kind: 'timeout', cause: 'TIMEOUT', message: 'timed out' };
  }
  for (const link of chain) {
    const code = typeof link.code === 'string' ? link.code : '';
    if (link.name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED') {
      return { kind: 'timeout', cause: 'ABORTED', message: 'timed out' };
    }
  }
  const first = chain[0];
  const code = first && typeof first.code === 'string' ? first.code : 'UNKNOWN';
  return { kind: 'other', cause: code, message: first ? messageOf(first) : String(error) };
}

function messageOf(link: ErrorLike): string {
  return typeof link.message === 'string' && link.message ? link.message : String(link.code ?? 'error');
}

export function failure(kind: FailureKind, cause: string, message: string): NetFailure {
  return { kind, cause, message };
}
