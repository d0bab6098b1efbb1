import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import net, { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls, { rootCertificates } from 'node:tls';
import type { Agent, Dispatcher } from 'undici';
import { anySignal, timeoutSignal } from '../abort.ts';
import type { ResolveRule } from '../config.ts';
import { classifyError, failure, type NetFailure } from './errors.ts';
import { type ProxyChoice, proxyFor } from './proxy.ts';

/**
 * A self-signed certificate whose key was thrown away. Given as the only CA, it keeps OpenSSL from
 * completing the chain from a trust store, so getPeerCertificate(true) shows exactly what the
 * server presented: the only way to see a missing intermediate.
 */
const MATCHES_NOTHING_CA = `-----BEGIN CERTIFICATE-----
MIIB1TCCAXugAwIBAgIUCgpNHwg3ev08cGv/f+acUKME/V4wCgYIKoZIzj0EAwIw
PzE9MDsGA1UEAww0ZWxpemEtZG9jdG9yIHByZXNlbnRlZC1jaGFpbiBwcm9iZSAo
bWF0Y2hlcyBub3RoaW5nKTAgFw0yNjExMjYwNTM4MTZaGA8yMTI2MTEwMjA1Mzgx
NlowPzE9MDsGA1UEAww0ZWxpemEtZG9jdG9yIHByZXNlbnRlZC1jaGFpbiBwcm9i
ZSAobWF0Y2hlcyBub3RoaW5nKTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLf0
gWM+DBfUQ68eEX2YqHYhcjqD5nHkKQbXDceNnsA6FwOQbyreuhvbyWavpX27cHQt
e7Gv9tzUF75yjO9CC/SjUzBRMB0GA1UdDgQWBBTVdhRoGyrKNj+eJgk0e8z/Y2lF
7zAfBgNVHSMEGDAWgBTVdhRoGyrKNj+eJgk0e8z/Y2lF7zAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0gAMEUCIHIzY4j557DVVQrNO/BIitNLL3JVVJ8SsO9V
VYXwqW4zAiEA/rL/NaznM7jeALGx4TJjdPXJtS+KS009qLsJZFEqhfE=
-----END CERTIFICATE-----
`;

export type Result<T> = ({ ok: true } & T) | { ok: false; failure: NetFailure; ms: number };

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface LookupResult {
  addresses: Address[];
  /** Came from --resolve, not from DNS. */
  overridden: boolean;
  ms: number;
}

/** Whose certificates a handshake trusts. */
export type Trust =
  /** Node's defaults in this process: bundled roots plus NODE_EXTRA_CA_CERTS as loaded at start-up. */
  | { kind: 'node-default' }
  /** Nothing at all: to see the chain exactly as presented. */
  | { kind: 'presented-only' };

export interface TlsProbe {
  address: string;
  authorized: boolean;
  /** OpenSSL's verify code when not authorized (UNABLE_TO_GET_ISSUER_CERT_LOCALLY ...). */
  authorizationError: string | null;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** DER, leaf first. */
  chain: Buffer[];
  tcpMs: number;
  tlsMs: number;
}

/** Through an HTTP proxy: CONNECT to the gateway's port, with the proxy URL's credentials. */
export interface Via {
  proxy: URL;
  gatewayPort: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ttfbMs: number;
  totalMs: number;
}

export interface RequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** PEM certificates trusted in addition to Node's bundled roots. */
  extraCa: string;
  maxBytes?: number;
  signal: AbortSignal;
  /** Overrides the run's bound for this one request. */
  timeoutMs?: number;
}

export interface Net {
  lookup(host: string, port: number, signal: AbortSignal): Promise<Result<LookupResult>>;
  connect(address: string, port: number, signal: AbortSignal): Promise<Result<{ ms: number }>>;
  /**
   * Connects to address:port: the gateway, or with `via` the proxy, which is then asked to
   * CONNECT to host:gatewayPort.
   */
  tlsProbe(
    options: { address: string; port: number; host: string; trust: Trust; timeoutMs?: number; via?: Via },
    signal: AbortSignal,
  ): Promise<Result<TlsProbe>>;
  /** The proxy an https request to host:port takes, from the environment (NO_PROXY honoured). */
  route(host: string, port: number): ProxyChoice | null;
  /** One plain-HTTP HEAD request, for the scheme check. */
  plainHttp(
    options: { address: string; port: number; host: string; timeoutMs: number },
    signal: AbortSignal,
  ): Promise<Result<{ status: number; location: string | null; ms: number }>>;
  request(options: RequestOptions): Promise<Result<HttpAnswer>>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createNet(options: {
  timeoutMs: number;
  resolve: ResolveRule[];
  env: Readonly<Record<string, string | undefined>>;
  /** Start loading undici now, while DNS, TCP and TLS are checked: it is needed right after. */
  prefetch?: boolean;
}): Net {
  const { timeoutMs, resolve, env } = options;
  if (options.prefetch) import('./undici.ts').catch(() => undefined);
  const agents = new Map<string, Agent>();
  const bounded = (signal: AbortSignal, ms = timeoutMs) => boundedSignal(signal, ms);

  const lookup = async (host: string, port: number, signal: AbortSignal): Promise<Result<LookupResult>> => {
    const started = performance.now();
    const rule = resolve.find((r) => r.host === host.toLowerCase() && r.port === port);
    if (rule) {
      return { ok: true, overridden: true, ms: 0, addresses: rule.addresses.map(toAddress) };
    }
    if (isIP(host)) return { ok: true, overridden: false, ms: 0, addresses: [toAddress(host)] };
    try {
      const answers = await abortable(dns.lookup(host, { all: true, verbatim: true }), bounded(signal));
      return {
        ok: true,
        overridden: false,
        ms: elapsed(started),
        addresses: answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })),
      };
    } catch (error) {
      return { ok: false, failure: classifyError(error), ms: elapsed(started) };
    }
  };

  /** For undici and tls.connect: the same answers the dns check saw, --resolve included. */
  const socketLookup = (port: number) =>
    ((hostname: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      lookup(hostname, port, boundedSignal(null, timeoutMs)).then((result) => {
        if (!result.ok) {
          const error = Object.assign(new Error(result.failure.message), { code: result.failure.cause });
          callback(error);
        } else if (opts.all) callback(null, result.addresses as LookupAddress[]);
        else callback(null, result.addresses[0]!.address, result.addresses[0]!.family);
      }, callback);
    }) as unknown as net.LookupFunction;

  const connect = (address: string, port: number, signal: AbortSignal): Promise<Result<{ ms: number }>> => {
    const started = performance.now();
    return settle(bounded(signal), started, (done) => {
      const socket = net.connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        done({ ok: true, ms: elapsed(started) });
      });
      socket.once('error', (error) =>
        done({ ok: false, failure: classifyError(error), ms: elapsed(started) }),
      );
      return () => socket.destroy();
    });
  };

  const tlsProbe: Net['tlsProbe'] = (probe, signal) => {
    const started = performance.now();
    let connectedAt = started;
    return settle(bounded(signal, probe.timeoutMs), started, (done) => {
      const ca = probe.trust.kind === 'presented-only' ? [MATCHES_NOTHING_CA] : undefined;
      let socket: tls.TLSSocket | null = null;
      let tunnel: http.ClientRequest | null = null;
      const fail = (f: NetFailure) => done({ ok: false, failure: f, ms: elapsed(started) });
      const handshake = (over?: net.Socket) => {
        const s = tls.connect({
          ...(over ? { socket: over } : { host: probe.address, port: probe.port }),
          servername: isIP(probe.host) ? undefined : probe.host,
          rejectUnauthorized: false,
          ALPNProtocols: ['h2', 'http/1.1'],
          ...(ca ? { ca } : {}),
        });
        socket = s;
        if (over) connectedAt = performance.now();
        else {
          s.once('connect', () => {
            connectedAt = performance.now();
          });
        }
        s.once('secureConnect', () => {
          const cipher = s.getCipher();
          const authError = s.authorizationError as unknown;
          done({
            ok: true,
            address: probe.address,
            authorized: s.authorized,
            authorizationError: authError ? String((authError as { code?: string }).code ?? authError) : null,
            protocol: s.getProtocol(),
            cipher: cipher?.name ?? null,
            alpn: s.alpnProtocol || null,
            chain: presentedChain(s.getPeerCertificate(true)),
            tcpMs: Math.round(connectedAt - started),
            tlsMs: Math.round(performance.now() - connectedAt),
          });
          s.destroy();
        });
        s.once('error', (error) => fail(classifyError(error)));
        // A server that closes without a word during the handshake emits 'close' but no error.
        s.once('close', () =>
          fail(failure('reset', 'ECONNRESET', 'the connection was closed during the handshake')),
        );
      };
      if (probe.via) tunnel = openTunnel(probe.address, probe.port, probe.host, probe.via, handshake, fail);
      else handshake();
      return () => {
        (socket as tls.TLSSocket | null)?.destroy();
        tunnel?.destroy();
      };
    });
  };

  const plainHttp: Net['plainHttp'] = (probe, signal) => {
    const started = performance.now();
    const timeout = bounded(signal, probe.timeoutMs);
    return settle(timeout, started, (done) => {
      const request = http.request({
        host: probe.address,
        port: probe.port,
        method: 'HEAD',
        path: '/',
        headers: { Host: probe.host, Connection: 'close' },
        agent: false,
      });
      request.once('response', (response) => {
        response.resume();
        const location = response.headers.location ?? null;
        done({ ok: true, status: response.statusCode ?? 0, location, ms: elapsed(started) });
        request.destroy();
      });
      request.once('error', (error) =>
        done({ ok: false, failure: classifyError(error), ms: elapsed(started) }),
      );
      request.end();
      return () => request.destroy();
    });
  };

  /**
   * One store for all the doctor's requests: given as `ca`, each connection would parse the 150
   * certificates again into a store of its own (time and, with parallel requests, memory).
   * An explicit ca replaces Node's whole store, so the bundled roots go in by hand.
   */
  const contexts = new Map<string, tls.SecureContext>();
  const trustContext = (extraCa: string): tls.SecureContext => {
    let context = contexts.get(extraCa);
    if (!context) {
      context = tls.createSecureContext({ ca: [...rootCertificates, ...(extraCa ? [extraCa] : [])] });
      contexts.set(extraCa, context);
    }
    return context;
  };

  const agentFor = async (extraCa: string, url: URL, port: number): Promise<Dispatcher> => {
    const proxy = proxyFor(url.hostname, port, env, url.protocol === 'https:' ? 'https' : 'http');
    const key = `${port}\n${proxy?.url ?? ''}\n${extraCa}`;
    let agent = agents.get(key);
    if (!agent && proxy?.parsed) {
      const { ProxyAgent } = await import('./undici.ts');
      agent = new ProxyAgent({
        uri: proxy.parsed.href,
        requestTls: { secureContext: trustContext(extraCa), rejectUnauthorized: true },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }) as unknown as Agent;
      agents.set(key, agent);
    }
    if (!agent) {
      const { Agent } = await import('./undici.ts');
      agent = new Agent({
        connect: {
          secureContext: trustContext(extraCa),
          // Verified whatever NODE_TLS_REJECT_UNAUTHORIZED says: the doctor itself never skips it.
          rejectUnauthorized: true,
          lookup: socketLookup(port),
          timeout: timeoutMs,
        },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      agents.set(key, agent);
    }
    return agent;
  };

  const request = async (options: RequestOptions): Promise<Result<HttpAnswer>> => {
    const started = performance.now();
    const signal = bounded(options.signal, options.timeoutMs);
    const url = new URL(options.url);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    // undici does not give up on a signal while it is still connecting: the race makes sure.
    const exchange = async (): Promise<Result<HttpAnswer>> => {
      const { request: send } = await import('./undici.ts');
      const dispatcher = await agentFor(options.extraCa, url, port);
      const response = await send(url, {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        body: options.body ?? null,
        dispatcher,
        signal,
        ...(options.timeoutMs ? { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs } : {}),
      });
      const ttfbMs = elapsed(started);
      const body = await readBounded(response.body, options.maxBytes ?? DEFAULT_MAX_BODY_BYTES);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { ok: true, status: response.statusCode, headers, body, ttfbMs, totalMs: elapsed(started) };
    };
    try {
      return await abortable(exchange(), signal);
    } catch (error) {
      return { ok: false, failure: classifyError(error), ms: elapsed(started) };
    }
  };

  return {
    lookup,
    connect,
    tlsProbe,
    route: (host, port) => proxyFor(host, port, env),
    plainHttp,
    request,
    async close() {
      // Not awaited: destroy() waits for connections still being opened (a black hole: up to the
      // connect timeout), and the run is over; the sockets go at once all the same.
      for (const agent of agents.values()) agent.destroy().catch(() => undefined);
      agents.clear();
    },
  };
}

async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(): void },
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw Object.assign(new Error(`the answer is larger than ${maxBytes} bytes`), {
        code: 'BODY_TOO_LARGE',
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Runs a callback-style operation until it reports once, or the signal aborts (then: timeout).
 * `start` returns the cleanup that tears the operation down.
 */
function settle<T>(
  signal: AbortSignal,
  started: number,
  start: (done: (result: Result<T>) => void) => () => void,
): Promise<Result<T>> {
  return new Promise((resolve) => {
    let finished = false;
    let cleanup: (() => void) | undefined;
    const done = (result: Result<T>) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      cleanup?.();
      resolve(result);
    };
    const onAbort = () =>
      done({ ok: false, failure: failure('timeout', 'TIMEOUT', 'timed out'), ms: elapsed(started) });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    cleanup = start(done);
    if (finished) cleanup();
  });
}

function boundedSignal(parent: AbortSignal | null, ms: number): AbortSignal {
  const timeout = timeoutSignal(ms);
  const signal = anySignal(parent, timeout.signal);
  signal.addEventListener('abort', timeout.clear, { once: true });
  return signal;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Asks an HTTP proxy for a tunnel to host:port; hands the raw socket on when it answers 200. */
function openTunnel(
  address: string,
  port: number,
  host: string,
  via: Via,
  onOpen: (socket: net.Socket) => void,
  onFail: (failure: NetFailure) => void,
): http.ClientRequest {
  const target = `${host.includes(':') ? `[${host}]` : host}:${via.gatewayPort}`;
  const headers: Record<string, string> = { host: target };
  if (via.proxy.username) {
    const credentials = `${decodeURIComponent(via.proxy.username)}:${decodeURIComponent(via.proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const request = http.request({
    host: address,
    port,
    method: 'CONNECT',
    path: target,
    headers,
    agent: false,
  });
  request.once('connect', (response, socket, head) => {
    const status = response.statusCode ?? 0;
    if (status !== 200) {
      socket.destroy();
      const kind = status === 407 ? 'proxy-auth' : 'proxy-refused';
      return onFail(failure(kind, `HTTP ${status}`, `the proxy answered ${status} to CONNECT ${target}`));
    }
    if (head.length) socket.unshift(head);
    onOpen(socket);
  });
  request.once('error', (error) => onFail(classifyError(error)));
  request.end();
  return request;
}

function presentedChain(peer: tls.DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let current: tls.DetailedPeerCertificate | undefined = peer;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(current.raw);
    current = current.issuerCertificate;
  }
  return chain;
}

function toAddress(address: string): Address {
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
