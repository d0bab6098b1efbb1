import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Options, TARGET_FLAGS } from './cli/flags.ts';
import { readBoundedSync } from './host.ts';
import { Secret } from './secret.ts';

export const DEFAULT_BASE_URL = 'https://api.eliza.yandex.net';
export const DEFAULT_MODEL = 'gpt-5-mini';
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_CA_URLS = ['https://crls.yandex.net/allCAs.pem', 'http://crls.yandex.net/allCAs.pem'];
/** YandexInternalRootCA, RSA 4096, 2013-02-11 .. 2033-02-11 (see shared/docs/eliza-facts.md). */
export const YANDEX_INTERNAL_ROOT_SHA256 =
  'E3:C3:19:26:46:53:6B:C4:FF:AE:6D:D3:43:24:EF:9D:D8:D3:B1:6D:FA:13:A2:4E:13:18:0E:F1:4B:A2:1B:BA';
/** In the order they are read: the first non-empty one wins. */
export const TOKEN_VARIABLES = ['ELIZA_TOKEN', 'SOY_TOKEN', 'ELIZA_OAUTH_TOKEN'] as const;
export const POOL_VARIABLES = ['ELIZA_POOL', 'YA_POOL'] as const;
const TOKEN_FILE_MAX_BYTES = 64 * 1024;

/** Bad flags or environment values: exit code 2, one line, no stack. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Target {
  /** Always the https:// form: the network checks look at what the user should use. */
  baseUrl: string;
  host: string;
  port: number;
}

export interface ResolveRule {
  host: string;
  port: number;
  addresses: string[];
}

export interface TokenCandidate {
  source: string;
  value: Secret;
}

export interface DoctorConfig {
  target: Target;
  /** The base URL exactly as given (may be http://, may carry a path). */
  givenBaseUrl: URL;
  baseUrlSource: string;
  /** The token the doctor sends: trimmed, unquoted, without an OAuth/Bearer prefix. */
  token: Secret | null;
  tokenSource: string | null;
  /** Every place a token was found, raw, for the environment check. */
  tokenCandidates: TokenCandidate[];
  pool: string | null;
  poolSource: string | null;
  model: string;
  resolve: ResolveRule[];
  timeoutMs: number;
  caUrls: string[];
  caFile: string | null;
  caSha256: string[];
  json: boolean;
  strict: boolean;
  offline: boolean;
  /**
   * How to start this doctor again as this run was started: the words (`eliza-doctor`, or
   * `node dist/cli.js`) and the options that say where the gateway and the CA are. Commands the
   * doctor prints use it, so that they work as pasted.
   */
  invocation: Invocation;
}

export interface Invocation {
  command: string[];
  /** Options that follow a subcommand: --base-url, --resolve, --ca-file, --ca-sha256, ... */
  args: string[];
  /** The whole command line of this run, as given (for reports). */
  given?: string[];
}

/** The flags the configuration is made from (the flag table's types). */
export type RawOptions = Options<(typeof TARGET_FLAGS)[number] | 'timeout' | 'json' | 'strict'>;

export function buildConfig(
  raw: RawOptions,
  env: Readonly<Record<string, string | undefined>>,
  invocation: Invocation = { command: ['eliza-doctor'], args: [] },
): DoctorConfig {
  const { url: givenBaseUrl, source: baseUrlSource } = parseBaseUrl(raw.baseUrl, env);
  // URL drops a scheme's default port, so http://host and http://host:80 both mean https://host:443,
  // while an explicit other port is the only place the user said to look, and is kept.
  const targetPort = givenBaseUrl.port ? Number(givenBaseUrl.port) : 443;
  const host = givenBaseUrl.hostname.replace(/^\[|\]$/g, '');
  const target: Target = {
    baseUrl: `https://${givenBaseUrl.hostname}${targetPort === 443 ? '' : `:${targetPort}`}`,
    host,
    port: targetPort,
  };

  const tokenCandidates = collectTokenCandidates(raw, env);
  const chosen = tokenCandidates.find((c) => c.value.reveal().trim() !== '') ?? null;
  const pool = pickPool(raw.pool, env);

  return {
    target,
    givenBaseUrl,
    baseUrlSource,
    token: chosen ? new Secret(cleanToken(chosen.value.reveal())) : null,
    tokenSource: chosen?.source ?? null,
    tokenCandidates,
    pool: pool?.value ?? null,
    poolSource: pool?.source ?? null,
    model: parseModel(raw.model),
    resolve: (raw.resolve ?? []).map(parseResolve),
    timeoutMs: parseTimeout(raw.timeout),
    caUrls: raw.caUrl === undefined ? DEFAULT_CA_URLS : [parseHttpUrl('--ca-url', raw.caUrl).href],
    caFile: raw.caFile === undefined ? null : parseCaFile(raw.caFile),
    caSha256: (raw.caSha256?.length ? raw.caSha256 : [YANDEX_INTERNAL_ROOT_SHA256]).map(parseFingerprint),
    json: raw.json ?? false,
    strict: raw.strict ?? false,
    offline: raw.offline ?? false,
    invocation,
  };
}

function parseBaseUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>) {
  const fromEnv = env.ELIZA_BASE_URL?.trim();
  const [label, text, source] =
    flag !== undefined
      ? ['--base-url', flag, '--base-url']
      : fromEnv
        ? ['ELIZA_BASE_URL', fromEnv, 'ELIZA_BASE_URL']
        : ['default', DEFAULT_BASE_URL, 'default'];
  const url = parseHttpUrl(label, text);
  if (url.username || url.password) {
    throw new ConfigError(`${label} must not carry credentials in the URL; give the token with --token`);
  }
  return { url, source };
}

export function parseHttpUrl(label: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(`${label}: '${truncate(text)}' is not a URL (expected e.g. ${DEFAULT_BASE_URL})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${label}: '${truncate(text)}' must start with https:// (got ${url.protocol}//)`);
  }
  if (!url.hostname) throw new ConfigError(`${label}: '${truncate(text)}' has no host name`);
  return url;
}

function collectTokenCandidates(raw: RawOptions, env: Readonly<Record<string, string | undefined>>) {
  if (raw.token !== undefined && raw.tokenFile !== undefined) {
    throw new ConfigError('give the token with either --token or --token-file, not both');
  }
  const candidates: TokenCandidate[] = [];
  if (raw.token !== undefined) {
    if (raw.token.trim() === '') throw new ConfigError('--token is empty');
    candidates.push({ source: '--token', value: new Secret(raw.token) });
  }
  if (raw.tokenFile !== undefined)
    candidates.push({ source: '--token-file', value: readTokenFile(raw.tokenFile) });
  for (const name of TOKEN_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') candidates.push({ source: name, value: new Secret(value) });
  }
  return candidates;
}

function readTokenFile(path: string): Secret {
  if (path === '') throw new ConfigError('--token-file is empty');
  let bytes: Buffer;
  try {
    bytes = readBoundedSync(path, TOKEN_FILE_MAX_BYTES);
  } catch (error) {
    throw new ConfigError(`--token-file ${path}: ${describeFsError(error)}`);
  }
  if (bytes.includes(0)) throw new ConfigError(`--token-file ${path}: holds binary data, not a token`);
  const text = bytes.toString('utf8').trim();
  if (text === '') throw new ConfigError(`--token-file ${path}: is empty`);
  if (/\s/.test(text)) {
    throw new ConfigError(
      `--token-file ${path}: holds more than one word; a token file holds the token alone`,
    );
  }
  return new Secret(text);
}

/** What people paste: quotes, a trailing newline, the header's scheme word. */
export function cleanToken(raw: string): string {
  let token = raw.trim();
  if (/^(["']).*\1$/s.test(token)) token = token.slice(1, -1).trim();
  token = token.replace(/^(OAuth|Bearer)\s+/i, '');
  return token;
}

function pickPool(flag: string | undefined, env: Readonly<Record<string, string | undefined>>) {
  if (flag !== undefined) {
    if (!isHeaderValue(flag.trim()))
      throw new ConfigError(`--pool: '${truncate(flag)}' is not a valid pool name`);
    return { value: flag.trim(), source: '--pool' };
  }
  for (const name of POOL_VARIABLES) {
    const value = env[name]?.trim();
    if (value) {
      if (!isHeaderValue(value))
        throw new ConfigError(`${name}: '${truncate(value)}' is not a valid pool name`);
      return { value, source: name };
    }
  }
  return null;
}

export function isHeaderValue(text: string): boolean {
  return /^[\x21-\x7e]+$/.test(text);
}

function parseModel(model: string | undefined): string {
  if (model === undefined) return DEFAULT_MODEL;
  const trimmed = model.trim();
  if (!/^[\w.:/@+-]{1,200}$/.test(trimmed))
    throw new ConfigError(`--model: '${truncate(model)}' is not a model id`);
  return trimmed;
}

export function parseResolve(text: string): ResolveRule {
  const usage = `--resolve: '${truncate(text)}' must be HOST:PORT:ADDR (e.g. api.eliza.yandex.net:443:127.0.0.1)`;
  const match = /^([^:\s]+):(\d{1,5}):(.+)$/.exec(text.trim());
  if (!match) throw new ConfigError(usage);
  const [, host, portText, addressList] = match as unknown as [string, string, string, string];
  const port = Number(portText);
  if (port < 1 || port > 65535)
    throw new ConfigError(`--resolve: port ${portText} is out of range (1-65535)`);
  const addresses = addressList.split(',').map((part) => {
    const address = part.trim().replace(/^\[(.*)\]$/, '$1');
    if (!isIP(address)) throw new ConfigError(`--resolve: '${truncate(part)}' is not an IP address`);
    return address;
  });
  return { host: host.toLowerCase(), port, addresses };
}

export function parseTimeout(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const text = String(value).trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 100 || ms > 600_000) {
    throw new ConfigError(
      `--timeout: '${truncate(text)}' must be a whole number of milliseconds from 100 to 600000`,
    );
  }
  return ms;
}

/** demo's --rtt: up to 10 s of round trip, past which no real link is and every wait meets --timeout. */
export function parseRtt(value: string | undefined): number {
  if (value === undefined) return 0;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms > 10_000) {
    throw new ConfigError(
      `--rtt: '${truncate(text)}' must be a whole number of milliseconds from 0 to 10000`,
    );
  }
  return ms;
}

/** Hex, colons or spaces optional, any case -> AA:BB:... as X509Certificate.fingerprint256 gives it. */
export function parseFingerprint(text: string): string {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new ConfigError(`--ca-sha256: '${truncate(text)}' is not a SHA-256 fingerprint (64 hex digits)`);
  }
  return hex.match(/../g)!.join(':');
}

function parseCaFile(path: string): string {
  if (path === '') throw new ConfigError('--ca-file is empty');
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new ConfigError(`--ca-file ${path}: is a directory, not a PEM file`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`--ca-file ${path}: ${describeFsError(error)}`);
  }
  return path;
}

export function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'EFBIG':
      return 'too large';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'ESPIPE':
    case 'EAGAIN':
    case 'ENXIO':
      return 'a pipe or a device, not a file';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

function truncate(text: string): string {
  const oneLine = text.replace(/[\r\n\t]/g, ' ');
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
