import diagnostics from 'node:diagnostics_channel';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type tls from 'node:tls';
import type { buildConnector, Dispatcher } from 'undici';
import { anySignal } from '../abort.ts';
import { keptFor } from '../host.ts';
import { threadWasHeld } from '../stalls.ts';
import { type Lookup, socketLookup } from './dns.ts';
import { classifyError, isChainVerdict } from './errors.ts';
import { type ProxyChoice, proxyFor } from './proxy.ts';
import type { TrustStore } from './trust-store.ts';
import { abortable, boundedSignal, elapsed, type Result } from './wait.ts';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface RequestOptions {
  url: string;
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** PEM certificates trusted in addition to Node's bundled roots. */
  extraCa: string;
  /**
   * Trust extraCa alone, never the bundled roots: a client's own list, which is all that client
   * trusts, so that its key goes only where the client itself would send it.
   */
  extraCaOnly?: boolean;
  maxBytes?: number;
  signal: AbortSignal;
  /** Overrides the run's bound for this one request. */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ttfbMs: number;
  totalMs: number;
  /** The request's own phases on the wire, when undici's events could be tied to it. */
  wire?: WireTimings;
}

/**
 * One request's phases, stamped at the connection's events, not from when a caller asked: a
 * request that waited for a module, a free connection or a busy event loop does not count that
 * wait as network time.
 */
export interface WireTimings {
  /** TCP connect and TLS handshake of the connection this request opened; null on a connection already open (keep-alive) or through a proxy. */
  tcpMs: number | null;
  tlsMs: number | null;
  /** From the request written to the connection to its answer's headers read off it (curl's starttransfer - pretransfer). */
  ttfbMs: number;
}

/** One network read of a streamed body, and when it arrived (ms since the request started). */
export interface BodyRead {
  bytes: Buffer;
  atMs: number;
  /** The thread was just coming out of a stall (src/stalls.ts): atMs is when it got free, not when the bytes came. */
  held: boolean;
}

export interface StreamAnswer {
  status: number;
  headers: Record<string, string>;
  /** From the start of the request to the response headers. */
  headersMs: number;
  /** The body as it arrives; throws what the connection does (a reset, an idle bound). */
  reads: AsyncIterable<BodyRead>;
  /** Stops reading and lets the connection go. */
  cancel(): void;
}

export interface HttpClient {
  /** A whole answer, read up to maxBytes, within the bound. */
  request(options: RequestOptions): Promise<Result<HttpAnswer>>;
  /**
   * The answer's headers, then its body read by read: the bound covers reaching the headers and
   * each wait for the next read, not the whole body (a stream may rightly last longer).
   */
  stream(options: Omit<RequestOptions, 'maxBytes'>): Promise<Result<StreamAnswer>>;
  close(): void;
}

export function createHttpClient(options: {
  timeoutMs: number;
  lookup: Lookup;
  trustStore: TrustStore;
  env: Readonly<Record<string, string | undefined>>;
}): HttpClient {
  const { timeoutMs, lookup, trustStore, env } = options;
  // The agent's promise is kept, not the agent: the first requests ask at once, and an agent made
  // for each (while undici loads) would keep each its own connections and TLS sessions, the ones a
  // later request could have reused lost to it.
  const agents = new Map<string, Promise<Dispatcher>>();

  const makeAgent = async (
    extraCa: string,
    extraCaOnly: boolean,
    port: number,
    proxy: ProxyChoice | null,
  ): Promise<Dispatcher> => {
    const { Agent, ProxyAgent, buildConnector } = await import('./undici.ts');
    if (proxy?.parsed) {
      const secureContext = extraCaOnly ? trustStore.only(extraCa) : trustStore.withRoots(extraCa);
      return new ProxyAgent({
        uri: proxy.parsed.href,
        requestTls: { secureContext, rejectUnauthorized: true },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }) as unknown as Dispatcher;
    }
    const connector = (secureContext: tls.SecureContext) =>
      timedConnector(
        buildConnector({
          secureContext,
          // Verified whatever NODE_TLS_REJECT_UNAUTHORIZED says: the doctor itself never skips it.
          rejectUnauthorized: true,
          lookup: socketLookup(lookup, port, timeoutMs),
          timeout: timeoutMs,
        }),
      );
    return new Agent({
      connect: extraCaOnly
        ? connector(trustStore.only(extraCa))
        : extraCa
          ? internalFirst(connector(trustStore.only(extraCa)), () => connector(trustStore.withRoots(extraCa)))
          : connector(trustStore.withRoots('')),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  };

  const agentFor = (extraCa: string, extraCaOnly: boolean, url: URL, port: number): Promise<Dispatcher> => {
    const proxy = proxyFor(url.hostname, port, env, url.protocol === 'https:' ? 'https' : 'http');
    const key = `${port}\n${proxy?.url ?? ''}\n${extraCaOnly ? 'only' : 'with roots'}\n${extraCa}`;
    return keptFor(agents, key, () => makeAgent(extraCa, extraCaOnly, port, proxy));
  };

  /** Sends the request; resolves at the response headers. */
  const send = async (
    request: Omit<RequestOptions, 'maxBytes'>,
    signal: AbortSignal,
    started: number,
    wire: WireTrace = {},
  ) => {
    const url = new URL(request.url);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const dispatcher = await agentFor(request.extraCa, request.extraCaOnly === true, url, port);
    const responding = traced(wire, () =>
      dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        body: request.body ?? null,
        signal,
        ...(request.timeoutMs ? { headersTimeout: request.timeoutMs, bodyTimeout: request.timeoutMs } : {}),
      }),
    );
    const response = await responding;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status: response.statusCode, headers, headersMs: elapsed(started), body: response.body };
  };

  return {
    async request(request) {
      const started = performance.now();
      const signal = boundedSignal(request.signal, request.timeoutMs ?? timeoutMs);
      // undici does not give up on a signal while it is still connecting: the race makes sure.
      const exchange = async (): Promise<Result<HttpAnswer>> => {
        const trace: WireTrace = {};
        const answer = await send(request, signal, started, trace);
        const body = await readBounded(answer.body, request.maxBytes ?? DEFAULT_MAX_BODY_BYTES);
        // undici hands the connection back to its pool a tick after the body ends: a request made
        // on this answer (models on token's) would otherwise open a connection of its own.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const { status, headers, headersMs } = answer;
        const wire = wireTimings(trace);
        return {
          ok: true,
          status,
          headers,
          body,
          ttfbMs: headersMs,
          totalMs: elapsed(started),
          ...(wire ? { wire } : {}),
        };
      };
      try {
        return await abortable(exchange(), signal);
      } catch (error) {
        return { ok: false, failure: classifyError(error), ms: elapsed(started) };
      }
    },

    async stream(request) {
      const started = performance.now();
      const cancel = new AbortController();
      // The request lives until the caller's signal or cancel(); the bound is on reaching the
      // headers, and undici's bodyTimeout bounds each wait for the next read.
      const life = anySignal(request.signal, cancel.signal);
      const toHeaders = boundedSignal(life, request.timeoutMs ?? timeoutMs);
      try {
        const answer = await abortable(send(request, life, started), toHeaders);
        const body = answer.body;
        return {
          ok: true,
          status: answer.status,
          headers: answer.headers,
          headersMs: answer.headersMs,
          reads: timedReads(body, started),
          cancel: () => {
            cancel.abort();
            body.destroy();
          },
        };
      } catch (error) {
        cancel.abort();
        return { ok: false, failure: classifyError(error), ms: elapsed(started) };
      }
    },

    close() {
      // Not awaited: destroy() waits for connections still being opened (a black hole: up to the
      // connect timeout), and the run is over; the sockets go at once all the same.
      for (const agent of agents.values()) agent.then((a) => a.destroy()).catch(() => undefined);
      agents.clear();
    },
  };
}

/**
 * The body's chunks, each stamped when it came off the connection rather than when the caller
 * got to it: a caller busy with one read must not make the next look late (or a burst look
 * spread out). The caller bounds what it takes; cancel() stops the flow.
 */
async function* timedReads(body: Readable, started: number): AsyncIterable<BodyRead> {
  const queue: BodyRead[] = [];
  let ended = false;
  let failed: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  body.on('data', (chunk: Buffer) => {
    queue.push({ bytes: chunk, atMs: elapsed(started), held: threadWasHeld() });
    notify();
  });
  body.once('end', () => {
    ended = true;
    notify();
  });
  body.once('error', (error) => {
    failed = { error };
    notify();
  });
  body.once('close', () => {
    ended = true;
    notify();
  });
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (failed) throw (failed as { error: unknown }).error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    body.destroy();
  }
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

/** What undici's diagnostics channels told of one request. */
interface WireTrace {
  sentAt?: number;
  headersAt?: number;
  socket?: net.Socket;
}

/** Each connection's set-up, until the first request sent on it (the one that waited for it) claims it. */
const setups = new WeakMap<object, { tcpMs: number | null; tlsMs: number; claimed: boolean }>();
const traces = new WeakMap<object, WireTrace>();
let tracing: WireTrace | null = null;
let subscribed = false;

/**
 * Runs `start` (an undici request) with its trace attached: undici creates its request object
 * synchronously inside the call, which is how the channels' messages are tied to this trace.
 */
function traced<T>(trace: WireTrace, start: () => T): T {
  if (!subscribed) {
    subscribed = true;
    diagnostics.subscribe('undici:request:create', (message) => {
      if (tracing) traces.set((message as { request: object }).request, tracing);
    });
    diagnostics.subscribe('undici:client:sendHeaders', (message) => {
      const { request, socket } = message as { request: object; socket: net.Socket };
      const trace = traces.get(request);
      if (!trace) return;
      trace.sentAt = performance.now();
      trace.socket = socket;
    });
    diagnostics.subscribe('undici:request:headers', (message) => {
      const trace = traces.get((message as { request: object }).request);
      if (trace && trace.headersAt === undefined) trace.headersAt = performance.now();
    });
  }
  tracing = trace;
  try {
    return start();
  } finally {
    tracing = null;
  }
}

function wireTimings(trace: WireTrace): WireTimings | null {
  if (trace.sentAt === undefined || trace.headersAt === undefined) return null;
  const setup = trace.socket ? setups.get(trace.socket) : undefined;
  const opened = setup && !setup.claimed ? setup : null;
  if (setup) setup.claimed = true;
  return {
    tcpMs: opened?.tcpMs ?? null,
    tlsMs: opened?.tlsMs ?? null,
    ttfbMs: Math.round(trace.headersAt - trace.sentAt),
  };
}

type Connector = buildConnector.connector;

/**
 * The internal CAs alone first; the bundled roots too only when those alone do not verify the
 * chain. The gateway's chain ends at the pinned root, and parsing the 146 roots for every run took
 * 25 ms of the main thread on the first requests' path. A chain verifies as it would have with
 * both: any verdict on the chain against the internal CAs alone (untrusted, but also expired or
 * not a CA, which OpenSSL may say of a path it would not have taken with more anchors) is asked
 * again of the whole set, whose answer is the one reported; the cost is an extra handshake on a
 * gateway served on a public chain.
 */
function internalFirst(internal: Connector, withRoots: () => Connector): Connector {
  let fallback: Connector | null = null;
  // A server whose chain the internal CAs alone did not verify will not on its next connection:
  // that one goes straight to the second set, not through a handshake bound to fail.
  const servedPublicly = new Set<string>();
  return (options, callback) => {
    const server = `${options.hostname}:${options.port}`;
    if (fallback && servedPublicly.has(server)) return fallback(options, callback);
    return internal(options, (...result) => {
      const [error] = result;
      if (error && isChainVerdict(error)) {
        servedPublicly.add(server);
        fallback ??= withRoots();
        return fallback(options, callback);
      }
      callback(...result);
    });
  };
}

/** undici's connector, with each new connection's TCP connect and TLS handshake stamped at the socket's events. */
function timedConnector(connector: Connector): Connector {
  return (options, callback) => {
    const started = performance.now();
    let connectedAt: number | null = null;
    const socket = connector(options, (error, ready) => {
      if (!error && ready) {
        const tlsFrom = connectedAt ?? started;
        setups.set(ready, {
          tcpMs: connectedAt === null ? null : Math.round(connectedAt - started),
          tlsMs: Math.round(performance.now() - tlsFrom),
          claimed: false,
        });
      }
      callback(...([error, ready] as Parameters<buildConnector.Callback>));
    });
    // undici's connector returns the socket, though its type says void.
    (socket as unknown as net.Socket | undefined)?.once('connect', () => {
      connectedAt = performance.now();
    });
    return socket;
  };
}
