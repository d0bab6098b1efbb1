import type http from 'node:http';
import type net from 'node:net';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { classifyError, failure, type NetFailure } from './errors.ts';
import { openTunnel, type Via } from './tunnel.ts';
import { elapsed, type Result, settle } from './wait.ts';

/**
 * A self-signed certificate whose key was thrown away. Given as the only CA, it keeps OpenSSL from
 * completing the chain from a trust store, so getPeerCertificate(true) shows exactly what the
 * server presented: the only way to see a missing intermediate.
 */
export const MATCHES_NOTHING_CA = `-----BEGIN CERTIFICATE-----
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

/** Whose certificates a handshake trusts. */
export type Trust =
  /** Node's defaults in this process: bundled roots plus NODE_EXTRA_CA_CERTS as loaded at start-up. */
  | { kind: 'node-default' }
  /** Nothing at all: to see the chain exactly as presented. */
  | { kind: 'presented-only' }
  /** Exactly these CAs (PEM), as a client that builds its own trust list would: '' trusts nothing. */
  | { kind: 'exactly'; pem: string };

export interface TlsProbeOptions {
  address: string;
  port: number;
  /** The name to send (SNI) and verify. */
  host: string;
  trust: Trust;
  timeoutMs?: number;
  /** Set when address:port is a proxy, asked to CONNECT to host:gatewayPort. */
  via?: Via;
}

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
  /**
   * How long this process kept its own event loop busy while the handshake ran (the loop's active
   * time, perf_hooks): connect and TLS are stamped when the loop gets to the socket's events, so
   * each may read up to this much long. Near 0 when the loop was free.
   */
  busyMs: number;
}

/**
 * One handshake that sees the whole picture: verification is judged, not enforced. `contextFor`
 * gives the context that trusts a PEM list, made once (the trust store's): a client's few hundred
 * CAs take tens of ms to load, and its streamed request trusts the same list.
 */
export function tlsProbe(
  probe: TlsProbeOptions,
  signal: AbortSignal,
  contextFor?: (pem: string) => tls.SecureContext,
): Promise<Result<TlsProbe>> {
  const started = performance.now();
  let connectingAt = started;
  let connectedAt = started;
  let tunnelOpen = false;
  // Not a sampling timer (monitorEventLoopDelay): its first tick only starts the count, so a block
  // at the very start of the handshake, the likeliest one, would go unseen.
  const loopAtStart = performance.eventLoopUtilization();
  const busyMs = () => Math.round(performance.eventLoopUtilization(loopAtStart).active);
  const settled = settle<TlsProbe>(signal, started, (done) => {
    const { trust } = probe;
    const shared = trust.kind === 'exactly' && trust.pem && contextFor ? contextFor(trust.pem) : null;
    const ca =
      trust.kind === 'presented-only'
        ? [MATCHES_NOTHING_CA]
        : trust.kind === 'exactly'
          ? [MATCHES_NOTHING_CA, trust.pem].filter(Boolean)
          : undefined;
    let socket: tls.TLSSocket | null = null;
    let tunnel: http.ClientRequest | null = null;
    const fail = (f: NetFailure) => done({ ok: false, failure: f, ms: elapsed(started) });
    const handshake = (over?: net.Socket) => {
      if (over) tunnelOpen = true;
      const s = tls.connect({
        ...(over ? { socket: over } : { host: probe.address, port: probe.port }),
        ...(isIP(probe.host) ? {} : { servername: probe.host }),
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
        ...(shared ? { secureContext: shared } : ca ? { ca } : {}),
      });
      socket = s;
      if (over) connectedAt = performance.now();
      else {
        // To an address, the socket connects on the next tick, after tls.connect returns: the
        // connect is timed from then, not from before the call, whose first use in a process
        // sets up TLS for 10 ms and more (no part of the network's time).
        connectingAt = performance.now();
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
          tcpMs: Math.round(connectedAt - connectingAt),
          tlsMs: Math.round(performance.now() - connectedAt),
          busyMs: busyMs(),
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
  // Through a proxy, a bound that runs out before the CONNECT is answered is the proxy's silence,
  // not the gateway's: said so, or the user hunts a TLS problem that is not there.
  return settled.then((result) =>
    !result.ok && result.failure.kind === 'timeout' && probe.via && !tunnelOpen
      ? {
          ...result,
          failure: failure('timeout', PROXY_CONNECT_TIMEOUT, 'the proxy did not answer the CONNECT request'),
        }
      : result,
  );
}

/** The cause of a timeout spent waiting for a proxy's answer to CONNECT. */
export const PROXY_CONNECT_TIMEOUT = 'PROXY_CONNECT_TIMEOUT';

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
