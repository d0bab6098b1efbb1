/**
 * The network port the checks use (fakeable in tests). Each concern lives in a room of its own:
 * dns, connect, tls-probe, plain-http, tunnel, trust-store, http; this file only wires them to
 * the run's shared state (its bound, --resolve, the environment's proxies, one trust store).
 */
import { isIP } from 'node:net';
import type { ResolveRule } from '../config.ts';
import { connect } from './connect.ts';
import { createLookup, type LookupResult } from './dns.ts';
import { createHttpClient, type HttpAnswer, type RequestOptions, type StreamAnswer } from './http.ts';
import { type PlainHttpAnswer, plainHttp } from './plain-http.ts';
import { type ProxyChoice, proxyFor } from './proxy.ts';
import { MATCHES_NOTHING_CA, type TlsProbe, type TlsProbeOptions, tlsProbe } from './tls-probe.ts';
import { createTrustStore } from './trust-store.ts';
import { boundedSignal, type Result } from './wait.ts';
import {
  dropLaunchedWireWorker,
  releaseWireWorker,
  startWireWorker,
  stopWireWorker,
  WIRE_THREAD_LOST,
  workerTlsProbe,
} from './wire-worker.ts';

export type { Address, LookupResult } from './dns.ts';
export type { BodyRead, HttpAnswer, RequestOptions, StreamAnswer } from './http.ts';
export type { TlsProbe, TlsProbeOptions, Trust } from './tls-probe.ts';
export type { Via } from './tunnel.ts';
export type { Result } from './wait.ts';

export interface Net {
  lookup(host: string, port: number, signal: AbortSignal): Promise<Result<LookupResult>>;
  connect(address: string, port: number, signal: AbortSignal): Promise<Result<{ ms: number }>>;
  /**
   * Connects to address:port: the gateway, or with `via` the proxy, which is then asked to
   * CONNECT to host:gatewayPort.
   */
  tlsProbe(options: TlsProbeOptions, signal: AbortSignal): Promise<Result<TlsProbe>>;
  /** The proxy an https request to host:port takes, from the environment (NO_PROXY honoured). */
  route(host: string, port: number): ProxyChoice | null;
  /** One plain-HTTP HEAD request, for the scheme check. */
  plainHttp(
    options: { address: string; port: number; host: string; timeoutMs: number },
    signal: AbortSignal,
  ): Promise<Result<PlainHttpAnswer>>;
  request(options: RequestOptions): Promise<Result<HttpAnswer>>;
  stream(options: Omit<RequestOptions, 'maxBytes'>): Promise<Result<StreamAnswer>>;
  close(): Promise<void>;
  /** The run's timed handshake is done: later ones run here, and the wire thread goes. */
  releaseWireThread?(): void;
}

/** The longest a handshake waits for the loading that would otherwise be stamped into it. */
const MAX_WARM_WAIT_MS = 150;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

export function createNet(options: {
  timeoutMs: number;
  resolve: ResolveRule[];
  env: Readonly<Record<string, string | undefined>>;
  /** Start loading undici now, while DNS, TCP and TLS are checked: it is needed right after. */
  prefetch?: boolean;
  /** Time the chain-showing handshakes on a thread of their own (src/net/wire-worker.ts). */
  wireThread?: boolean;
}): Net {
  const { timeoutMs, env } = options;
  const trustStore = createTrustStore();
  let wireThread = options.wireThread === true;
  if (wireThread) startWireWorker();
  else dropLaunchedWireWorker();
  // undici holds the main thread for tens of milliseconds: loaded now, while DNS and TCP are
  // checked, rather than when the first requests go out.
  const warm = options.prefetch
    ? import('./undici.ts').then(
        () => undefined,
        () => undefined,
      )
    : Promise.resolve();
  const bounded = (signal: AbortSignal, ms = timeoutMs) => boundedSignal(signal, ms);
  const lookup = createLookup(options.resolve, timeoutMs);
  const http = createHttpClient({ timeoutMs, lookup, trustStore, env });
  return {
    lookup,
    connect: (address, port, signal) => connect(address, port, bounded(signal)),
    // A handshake is timed at its socket's events, which wait while the thread is busy: it waits
    // for the loading above instead, which nothing that reads its result would be spared anyway
    // (the requests need undici too). Not for long: on a machine so loaded that the loading drags
    // on, the wait would eat into the tls check's bound, and the probe says how busy it was.
    tlsProbe: async (probe, signal) => {
      const bound = bounded(signal, probe.timeoutMs);
      // The handshake that shows the chain (tls, scheme) is the one whose times are reported: it
      // runs on the wire thread, whatever this one is doing. Through a proxy, here (the tunnel).
      if (wireThread && probe.trust.kind === 'presented-only' && !probe.via) {
        const timed = await workerTlsProbe(
          {
            address: probe.address,
            port: probe.port,
            servername: isIP(probe.host) ? null : probe.host,
            ca: MATCHES_NOTHING_CA,
          },
          bound,
        );
        // A thread that could not run is the doctor's trouble, not the network's: here, then.
        if (timed.ok || timed.failure.cause !== WIRE_THREAD_LOST) return timed;
      }
      await Promise.race([warm, delay(MAX_WARM_WAIT_MS)]);
      return tlsProbe(probe, bound, trustStore.only);
    },
    route: (host, port) => proxyFor(host, port, env),
    plainHttp: (probe, signal) => plainHttp(probe, bounded(signal, probe.timeoutMs)),
    request: http.request,
    stream: http.stream,
    releaseWireThread() {
      if (!wireThread) return;
      wireThread = false;
      releaseWireWorker();
    },
    async close() {
      http.close();
      if (options.wireThread) stopWireWorker();
    },
  };
}
