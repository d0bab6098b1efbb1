import { randomBytes } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Fault, GatewayBehaviour, SimGateway } from './gateway.ts';
import type { SimPki } from './pki.ts';

export const SIM_HOST = 'api.eliza.yandex.net';

/** One situation the loopback gateway can stage, what the doctor is run with, and what it must say. */
export interface Scenario {
  name: string;
  description: string;
  behaviour?: Partial<GatewayBehaviour>;
  token?: 'good' | 'wrong' | 'none' | 'padded';
  /**
   * What the doctor's environment trusts: everything (NODE_EXTRA_CA_CERTS, and a merged bundle
   * for Python, curl and git), nothing, or Node given only the intermediate.
   */
  trust?: 'all' | 'none' | 'node-intermediate-only';
  /** Where the base URL points: the gateway, the gateway over http://, or a port nobody listens on. */
  target?: 'gateway' | 'http' | 'refused';
  env?: (base: string) => Record<string, string>;
  model?: string;
  /** A loopback proxy that HTTPS_PROXY names (src/sim/proxy.ts), with these options. */
  proxy?: { holdMs?: number };
  /** Needs a short --timeout to stay quick (a stall waits for the bound). */
  slow?: boolean;
  /** check id -> 'pass' or the code it must report. */
  expect: Record<string, string>;
}

const ALL_PASS = {
  environment: 'pass',
  scheme: 'pass',
  dns: 'pass',
  tcp: 'pass',
  tls: 'pass',
  'ca-bundle': 'pass',
  'trust-node': 'pass',
  'trust-python': 'pass',
  'trust-system': 'pass',
  'insecure-settings': 'pass',
  token: 'pass',
  models: 'pass',
  'round-trip': 'pass',
  stream: 'pass',
  // No AI client is installed on a staged machine (a temp HOME, a PATH without them): each client
  // check says so and steps aside.
  'client-claude-code': 'CLIENT_NOT_FOUND',
  'client-codex': 'CLIENT_NOT_FOUND',
  'client-vscode': 'CLIENT_NOT_FOUND',
};
const NETWORK_AFTER_TLS_SKIPPED = {
  'trust-node': 'DEPENDENCY_NOT_MET',
  'trust-python': 'DEPENDENCY_NOT_MET',
  'trust-system': 'DEPENDENCY_NOT_MET',
  token: 'DEPENDENCY_NOT_MET',
  models: 'DEPENDENCY_NOT_MET',
  'round-trip': 'DEPENDENCY_NOT_MET',
  stream: 'DEPENDENCY_NOT_MET',
};
const AFTER_TOKEN_SKIPPED = {
  models: 'DEPENDENCY_NOT_MET',
  'round-trip': 'DEPENDENCY_NOT_MET',
  stream: 'DEPENDENCY_NOT_MET',
};

const json = (status: number, body: unknown, headers?: Record<string, string>): Fault => ({
  kind: 'status',
  status,
  body: JSON.stringify(body),
  ...(headers ? { headers } : {}),
});
const html = (status: number, title: string): Fault => ({
  kind: 'status',
  status,
  contentType: 'text/html; charset=utf-8',
  body: `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`,
});

export const SCENARIOS: Scenario[] = [
  {
    name: 'healthy',
    description: 'everything works: the CA is trusted and the token is good',
    expect: ALL_PASS,
  },
  {
    name: 'untrusted-ca',
    description:
      'Node does not trust the internal CA (NODE_EXTRA_CA_CERTS unset): the classic CERTIFICATE_VERIFY_FAILED',
    trust: 'none',
    expect: {
      ...ALL_PASS,
      // Nothing on the machine holds the CA, so it comes from the sim's http distribution point.
      'ca-bundle': 'CA_FETCHED_OVER_HTTP',
      'trust-node': 'TRUST_NODE_CA_NOT_SET',
      'trust-python': 'TRUST_PYTHON_UNTRUSTED',
      'trust-system': 'TRUST_SYSTEM_CURL_UNTRUSTED',
    },
  },
  {
    name: 'intermediate-only',
    description: 'NODE_EXTRA_CA_CERTS holds only the intermediate CA, which curl accepts and Node does not',
    trust: 'node-intermediate-only',
    expect: { ...ALL_PASS, 'trust-node': 'TRUST_NODE_CA_INTERMEDIATE_ONLY' },
  },
  {
    name: 'http',
    description: 'the base URL says http://, which hangs; https:// works',
    target: 'http',
    expect: { ...ALL_PASS, scheme: 'SCHEME_HTTP' },
  },
  {
    name: 'sdk-not-raw',
    description: 'OPENAI_BASE_URL points at the gateway without the /raw prefix',
    env: (base) => ({ OPENAI_BASE_URL: `${base}/openai/v1` }),
    expect: { ...ALL_PASS, scheme: 'SCHEME_SDK_NOT_RAW' },
  },
  {
    name: 'no-token',
    description: 'no token anywhere',
    token: 'none',
    expect: { ...ALL_PASS, token: 'TOKEN_MISSING', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'bad-token',
    description: 'the token is wrong or expired (401)',
    token: 'wrong',
    expect: { ...ALL_PASS, token: 'TOKEN_INVALID', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'padded-token',
    description: 'the token variable holds "OAuth <token>" and a line break',
    token: 'padded',
    expect: { ...ALL_PASS, token: 'TOKEN_HAS_PREFIX', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'forbidden',
    description: 'the token is valid but has no access (403)',
    behaviour: { faults: { quota: json(403, { error: 'access denied for this pool' }) } },
    expect: { ...ALL_PASS, token: 'TOKEN_FORBIDDEN', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'quota-exhausted',
    description: 'the quota is used up: /quota shows nothing left, chat answers 429 "Quota exceeded"',
    behaviour: { quota: 'exhausted' },
    expect: {
      ...ALL_PASS,
      token: 'QUOTA_EXHAUSTED',
      'round-trip': 'QUOTA_EXHAUSTED',
      stream: 'QUOTA_EXHAUSTED',
    },
  },
  {
    name: 'overloaded',
    description: 'the model is overloaded: 429 with Retry-After',
    behaviour: {
      faults: { 'raw-chat': json(429, { error: 'model gpt-5-mini is overloaded' }, { 'retry-after': '30' }) },
    },
    expect: { ...ALL_PASS, 'round-trip': 'GATEWAY_OVERLOADED', stream: 'GATEWAY_OVERLOADED' },
  },
  {
    name: 'server-error',
    description: 'the gateway answers 502 with an HTML error page',
    behaviour: { faults: { quota: html(502, '502 Bad Gateway') } },
    expect: { ...ALL_PASS, token: 'GATEWAY_ERROR', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'captive-portal',
    description: 'a captive portal answers 200 with an HTML login page',
    behaviour: { faults: { quota: html(200, 'Guest Wi-Fi login') } },
    expect: { ...ALL_PASS, token: 'GATEWAY_UNEXPECTED_RESPONSE', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'stall',
    description: 'the gateway accepts the request and never answers',
    behaviour: { faults: { quota: { kind: 'stall-headers' } } },
    slow: true,
    expect: { ...ALL_PASS, token: 'GATEWAY_TIMEOUT', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'reset',
    description: 'the connection is reset before the answer',
    behaviour: { faults: { quota: { kind: 'reset-before-headers' } } },
    expect: { ...ALL_PASS, token: 'GATEWAY_RESET', ...AFTER_TOKEN_SKIPPED },
  },
  {
    name: 'expired',
    description: "the gateway's certificate has expired",
    behaviour: { cert: 'expired' },
    expect: { ...ALL_PASS, tls: 'TLS_EXPIRED', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'not-yet-valid',
    description: "the gateway's certificate is not valid yet (or this clock is wrong)",
    behaviour: { cert: 'not-yet-valid' },
    expect: { ...ALL_PASS, tls: 'TLS_NOT_YET_VALID', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'expiring-soon',
    description: "the gateway's certificate expires in 5 days",
    behaviour: { cert: 'expiring-soon' },
    expect: { ...ALL_PASS, tls: 'TLS_EXPIRES_SOON' },
  },
  {
    name: 'wrong-host',
    description: 'the certificate is for another host name',
    behaviour: { cert: 'wrong-host' },
    expect: { ...ALL_PASS, tls: 'TLS_HOSTNAME_MISMATCH', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'leaf-only',
    description: 'the gateway sends its certificate without the intermediate CA',
    behaviour: { cert: 'leaf-only' },
    expect: { ...ALL_PASS, tls: 'TLS_MISSING_INTERMEDIATE' },
  },
  {
    name: 'ecdsa',
    description: 'the gateway has an ECDSA certificate',
    behaviour: { cert: 'ecdsa' },
    expect: ALL_PASS,
  },
  {
    name: 'intercepted',
    description: 'a proxy intercepts TLS and signs with its own root',
    behaviour: { cert: 'intercepted' },
    expect: { ...ALL_PASS, tls: 'TLS_UNKNOWN_ISSUER', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'not-tls',
    description: 'the port speaks plain HTTP, not TLS',
    behaviour: { transport: 'not-tls' },
    expect: { ...ALL_PASS, tls: 'TLS_NOT_TLS', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'tls-stall',
    description: 'the port accepts connections and never starts TLS',
    behaviour: { transport: 'tls-stall' },
    slow: true,
    expect: { ...ALL_PASS, tls: 'TLS_TIMEOUT', ...NETWORK_AFTER_TLS_SKIPPED },
  },
  {
    name: 'refused',
    description: 'nothing listens on the gateway port',
    target: 'refused',
    expect: {
      ...ALL_PASS,
      tcp: 'TCP_REFUSED',
      tls: 'DEPENDENCY_NOT_MET',
      ...NETWORK_AFTER_TLS_SKIPPED,
    },
  },
  {
    name: 'unknown-model',
    description: 'the model asked for is not in the list (a typo)',
    model: 'gpt-5-mni',
    expect: {
      ...ALL_PASS,
      models: 'MODEL_NOT_FOUND',
      'round-trip': 'DEPENDENCY_NOT_MET',
      stream: 'DEPENDENCY_NOT_MET',
    },
  },
  {
    name: 'nda',
    description: 'the model needs an NDA that was not accepted (403)',
    behaviour: {
      faults: { 'raw-chat': json(403, { error: 'You have to accept the NDA to use this model' }) },
    },
    expect: { ...ALL_PASS, 'round-trip': 'MODEL_NDA_REQUIRED', stream: 'MODEL_NDA_REQUIRED' },
  },
  {
    name: 'wrapped',
    description: "the raw route answers with Eliza's wrapper, which SDKs cannot parse",
    behaviour: {
      faults: {
        'raw-chat': json(200, { key: 'K', response: { choices: [] }, attempt_count: 1, cost: 0, stats: {} }),
      },
    },
    expect: { ...ALL_PASS, 'round-trip': 'GATEWAY_WRAPPED_RESPONSE', stream: 'GATEWAY_WRAPPED_RESPONSE' },
  },
  {
    name: 'ca-portal',
    description: 'no CA on the machine, and the CA download returns an HTML page',
    trust: 'none',
    behaviour: { caBundle: 'html' },
    expect: {
      ...ALL_PASS,
      'ca-bundle': 'CA_NOT_PEM',
      tls: 'DEPENDENCY_NOT_MET',
      ...NETWORK_AFTER_TLS_SKIPPED,
    },
  },
  {
    name: 'ca-foreign',
    description: 'no CA on the machine, and the download holds no pinned root (tampered with?)',
    trust: 'none',
    behaviour: { caBundle: 'foreign' },
    expect: {
      ...ALL_PASS,
      'ca-bundle': 'CA_NO_PINNED_ROOT',
      tls: 'DEPENDENCY_NOT_MET',
      ...NETWORK_AFTER_TLS_SKIPPED,
    },
  },
  {
    name: 'stream-buffered',
    description:
      'HTTPS_PROXY names a proxy that holds what the gateway sends until it goes quiet: the events, spaced by the model, arrive all at once',
    proxy: { holdMs: 150 },
    expect: { ...ALL_PASS, stream: 'STREAM_BUFFERED' },
  },
  {
    name: 'stream-slow-model',
    description: 'the model thinks for over a second before its first token, then streams: slow, not broken',
    behaviour: { stream: { gapMs: 15, thinkMs: 1200, fault: 'none' } },
    expect: ALL_PASS,
  },
  {
    name: 'stream-gzip',
    description: 'the gateway gzips the event stream and its encoder holds the events until the end',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'gzip' } },
    expect: { ...ALL_PASS, stream: 'STREAM_COMPRESSED' },
  },
  {
    name: 'stream-cut',
    description: 'the connection closes half-way through the answer, as an idle timeout or a reset does',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'cut' } },
    expect: { ...ALL_PASS, stream: 'STREAM_CUT' },
  },
  {
    name: 'stream-stall',
    description: 'the stream stops half-way and the connection stays open',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'stall' } },
    slow: true,
    expect: { ...ALL_PASS, stream: 'STREAM_STALLED' },
  },
  {
    name: 'stream-not-sse',
    description: 'a streaming request gets one whole JSON answer instead of an event stream',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'not-sse' } },
    expect: { ...ALL_PASS, stream: 'STREAM_NOT_SSE' },
  },
  {
    name: 'stream-error-event',
    description: 'the stream starts, then carries an error event (which echoes the credential)',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'error-event' } },
    expect: { ...ALL_PASS, stream: 'STREAM_ERROR_EVENT' },
  },
  {
    name: 'stream-malformed',
    description: 'an event in the middle of the stream is cut off inside its JSON',
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'malformed' } },
    expect: { ...ALL_PASS, stream: 'STREAM_MALFORMED' },
  },
];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export function simToken(): string {
  return `y0_sim${randomBytes(24).toString('hex')}`;
}

export interface Invocation {
  args: string[];
  env: Record<string, string>;
  /** Files the invocation needs, to be written under the scenario's folder. */
  files: Record<string, string>;
}

/**
 * The doctor's flags and environment for a scenario: the same for `demo` and for the tests.
 * `dir` is a scratch folder; the env is complete (the caller adds PATH and HOME).
 */
export function invocationFor(
  scenario: Scenario,
  sim: SimGateway,
  pki: SimPki,
  token: string,
  dir: string,
  refusedPort: number,
  options: {
    timeoutGiven?: boolean;
    /** The scenario's proxy, when it has one: HTTPS_PROXY names it. */
    proxyUrl?: string | undefined;
    /** Where the gateway is reached when not at sim.port: a latency relay in front of it. */
    gatewayPort?: number;
  } = {},
): Invocation {
  const port = scenario.target === 'refused' ? refusedPort : (options.gatewayPort ?? sim.port);
  const scheme = scenario.target === 'http' ? 'http' : 'https';
  const base = `${scheme}://${SIM_HOST}:${port}`;
  const args = [
    '--base-url',
    base,
    '--resolve',
    `${SIM_HOST}:${port}:127.0.0.1`,
    '--ca-url',
    sim.caUrl,
    '--ca-sha256',
    pki.root.cert.fingerprint256,
  ];
  if (scenario.model) args.push('--model', scenario.model);
  // A stall waits for the bound: short, unless the run that stages it gives its own.
  if (scenario.slow && !options.timeoutGiven) args.push('--timeout', '2000');
  const env: Record<string, string> = { ...scenario.env?.(`https://${SIM_HOST}:${port}`) };
  if (options.proxyUrl) env.HTTPS_PROXY = options.proxyUrl;
  const files: Record<string, string> = {};
  const tokenKind = scenario.token ?? 'good';
  if (tokenKind === 'good') env.ELIZA_TOKEN = token;
  if (tokenKind === 'wrong') env.ELIZA_TOKEN = `y0_wrong${token.slice(8)}`;
  if (tokenKind === 'padded') env.SOY_TOKEN = `OAuth ${token}\n`;
  const trust = scenario.trust ?? 'all';
  if (trust !== 'none') {
    const nodeFile = `${dir}/node-extra-ca.pem`;
    files[nodeFile] = trust === 'all' ? pki.bundlePem : pki.intermediate.pem;
    env.NODE_EXTRA_CA_CERTS = nodeFile;
    // Public roots plus the internal CA, as `eliza-doctor fix` makes it: nothing public breaks.
    const merged = `${dir}/merged-ca.pem`;
    files[merged] = `${rootCertificates.join('\n')}\n${pki.bundlePem}`;
    for (const name of ['REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'])
      env[name] = merged;
  }
  return { args, env, files };
}
