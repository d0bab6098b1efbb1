import { X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Code } from '../src/codes.ts';
import { fail, manualFix, pass, skip, usable, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix, type Outcome } from '../src/engine/types.ts';
import type { TlsFacts } from '../src/facts.ts';
import type { FailureKind, NetFailure } from '../src/net/errors.ts';
import { suggestedNoProxy } from '../src/net/proxy.ts';
import { type GatewayRoute, gatewayRoute } from '../src/net/route.ts';
import { PROXY_CONNECT_TIMEOUT } from '../src/net/tls-probe.ts';
import { describeCert, parsePemBundle } from '../src/pki/cert.ts';
import { bundledRoots, judgeChain } from '../src/pki/chain.ts';
import { quote } from '../src/quote.ts';
import { selfCommand } from '../src/self.ts';
import { slowOnTheWire, slowPhases, type Timings, timingLine } from '../src/timings.ts';
import { lookupCommand, resolvedAddress, showCertsCommand } from './shared/diagnostics.ts';

/** Event-loop delay worth a word next to the timings: the bench's tolerance against curl -w. */
const BUSY_NOTE_MS = 15;

const HANDSHAKE_CODE_BY_KIND: Partial<Record<FailureKind, Code>> = {
  timeout: 'TLS_TIMEOUT',
  'not-tls': 'TLS_NOT_TLS',
  reset: 'TLS_RESET',
};

export const tlsCheck = defineCheck({
  id: 'tls',
  title: 'Gateway certificate (TLS)',
  needs: ['tcp'],
  reads: ['ca-bundle', 'dns'],
  // The handshake goes out as soon as tcp has an address; the CA bundle is needed only to judge
  // the chain, and waiting for it (a download, maybe) would put its time in front of every check
  // that waits for tls.
  startEarly: true,
  network: true,
  async run(ctx) {
    const started = performance.now();
    const { host } = ctx.config.target;
    const route = gatewayRoute(ctx);
    const address = (await ctx.result('tcp')).data.working[0]!.address;
    const probe = await ctx.net.tlsProbe(
      {
        address,
        port: route.port,
        host,
        trust: { kind: 'presented-only' },
        ...(route.via ? { via: route.via } : {}),
        // Started early, the check's bound runs from before tcp had an address: the handshake gets
        // what is left of --timeout, so that a silent server or proxy is named (TLS_TIMEOUT,
        // PROXY_TIMEOUT) before the check's own bound runs out.
        timeoutMs: Math.max(1, ctx.config.timeoutMs - Math.round(performance.now() - started)),
      },
      ctx.signal,
    );
    // The run's timings are this handshake's: the thread that took them is no longer needed.
    ctx.net.releaseWireThread?.();
    if (!probe.ok) return handshakeFailure(ctx, probe.failure, route, address);
    const presented = probe.chain.map((der) => new X509Certificate(der));
    const dns = (await ctx.result('dns')).data;
    const dnsMs = dns.overridden ? null : dns.ms;
    const timings: Timings = {
      dnsMs,
      tcpMs: probe.tcpMs,
      tlsMs: probe.tlsMs,
      ttfbMs: null,
      totalMs: (dnsMs ?? 0) + probe.tcpMs + probe.tlsMs,
    };
    const bundle = await ctx.result('ca-bundle');
    const internal = usable(bundle)
      ? parsePemBundle(bundle.data.pem ?? '').blocks.flatMap((b) => (b.cert ? [b.cert] : []))
      : [];
    const verdict = judgeChain({
      presented,
      host,
      now: ctx.host.now(),
      internal,
      pinned: ctx.config.caSha256,
      publicRoots: bundledRoots,
    });
    const data: TlsFacts = {
      address,
      protocol: probe.protocol,
      cipher: probe.cipher,
      alpn: probe.alpn,
      presented: presented.map(describeCert),
      path: verdict.path,
      anchor: verdict.anchor,
      supplied: verdict.supplied,
      leafDaysLeft: verdict.leafDaysLeft,
      timings,
      busyMs: probe.busyMs,
    };
    // Said whenever it could move the numbers by more than a reader would shrug off.
    const busyNote =
      probe.busyMs >= BUSY_NOTE_MS
        ? `; this process was itself busy for up to ${probe.busyMs} ms meanwhile (event-loop delay): connect and TLS may read up to that much long`
        : '';
    const details = [
      `${probe.protocol ?? '?'}, ${probe.cipher ?? '?'}${probe.alpn ? `, ALPN ${probe.alpn}` : ''}`,
      timingLine(timings, busyNote),
      ...data.presented.map(
        (c, i) =>
          `sent #${i + 1}: ${c.subject} (issuer ${c.issuer}), ${c.keyType}, valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)}, SHA-256 ${c.sha256}`,
      ),
      ...verdict.problems,
    ];
    if (verdict.status === 'undecidable') {
      return skip('DEPENDENCY_NOT_MET', `ca-bundle failed: ${verdict.summary}`, { details, data });
    }
    const slow = slowOnTheWire(timings, probe.busyMs);
    if (verdict.status === 'ok' && slow.length > 0) {
      return warn('TLS_SLOW', `the chain is good, but the network is slow: ${slow.join(', ')}`, {
        details,
        data,
      });
    }
    if (verdict.status === 'ok') {
      const days =
        verdict.leafDaysLeft !== null
          ? `; the certificate is good for ${verdict.leafDaysLeft} more days`
          : '';
      // Slow only with the process's own busy time in it: the machine, not the network.
      const busy = slowPhases(timings).length
        ? `; ${slowPhases(timings).join(', ')}, but this process was busy for ${probe.busyMs} ms of it`
        : '';
      return pass(`${probe.protocol}, ${verdict.summary}${days}${busy}`, { details, data });
    }
    if (verdict.code === 'TLS_UNKNOWN_ISSUER' && route.via) {
      return fail('PROXY_INTERCEPTS_TLS', `${route.description} intercepts TLS: ${verdict.fact}`, {
        details,
        data,
        fix: manualFix(`have the proxy pass ${host} through untouched, or bypass it for internal hosts`, [
          `export NO_PROXY=${quote(suggestedNoProxy(host, ctx.host.env))}`,
        ]),
      });
    }
    const fix = fixFor(ctx, verdict.code!);
    return (verdict.status === 'fail' ? fail : warn)(verdict.code!, verdict.summary, { details, data, fix });
  },
});

function handshakeFailure(
  ctx: CheckContext,
  f: NetFailure,
  route: GatewayRoute,
  address: string,
): Outcome<TlsFacts> {
  const { host, port } = ctx.config.target;
  const data = emptyFacts(address);
  if (f.kind === 'timeout' && f.cause === PROXY_CONNECT_TIMEOUT) {
    return fail(
      'PROXY_TIMEOUT',
      `${route.description} accepts connections but did not answer the tunnel request (CONNECT ${host}:${port}) within ${ctx.config.timeoutMs} ms: the proxy is stuck, or drops what it will not forward`,
      {
        data,
        fix: manualFix(
          `internal hosts usually bypass the proxy: let the gateway go direct; or ask whoever runs the proxy why it does not answer for ${host}`,
          [`export NO_PROXY=${quote(suggestedNoProxy(host, ctx.host.env))}`],
        ),
      },
    );
  }
  if (f.kind === 'proxy-auth') {
    return fail(
      'PROXY_AUTH_REQUIRED',
      `${route.description} wants credentials (407); put them in the proxy URL: http://user:password@proxy:port`,
      {
        data,
        fix: manualFix(
          `put your proxy credentials into ${route.variable}: http://user:password@proxy:port (percent-encode special characters), or let the gateway bypass the proxy`,
          [`export NO_PROXY=${quote(suggestedNoProxy(host, ctx.host.env))}`],
        ),
      },
    );
  }
  if (f.kind === 'proxy-refused') {
    const noProxy = suggestedNoProxy(host, ctx.host.env);
    if (/^HTTP (403|502|503|504)$/.test(f.cause)) {
      return fail(
        'PROXY_NO_PROXY_MISSING',
        `${route.description} will not or cannot reach ${host} (${f.cause}): internal hosts usually bypass the proxy; NO_PROXY should cover it`,
        {
          data,
          fix: manualFix('let the gateway bypass the proxy', [`export NO_PROXY=${quote(noProxy)}`]),
        },
      );
    }
    return fail('PROXY_REFUSED', `${route.description} refused the tunnel to ${host}:${port} (${f.cause})`, {
      data,
      fix: manualFix('let the gateway bypass the proxy (internal hosts usually do)', [
        `export NO_PROXY=${quote(noProxy)}`,
      ]),
    });
  }
  const code = HANDSHAKE_CODE_BY_KIND[f.kind] ?? 'TLS_HANDSHAKE_FAILED';
  const summaries: Partial<Record<Code, string>> = {
    TLS_TIMEOUT: `the connection opened but no TLS handshake finished within ${ctx.config.timeoutMs} ms`,
    TLS_NOT_TLS: `something that does not speak TLS answers on ${host}:${port} (${f.cause}): a plain-http port, or a proxy?`,
    TLS_RESET:
      'the server closed the connection during the handshake: a firewall or proxy that filters by name (SNI)?',
    TLS_HANDSHAKE_FAILED: `the TLS handshake failed: ${f.cause} ${f.message}`,
  };
  const showCerts = showCertsCommand(ctx.config, host, port);
  const fixes: Partial<Record<Code, Fix>> = {
    TLS_TIMEOUT: manualFix(
      'something accepts connections on that port but does not speak TLS back: a firewall or filter in between, or the wrong port; look at what answers',
      [showCerts],
    ),
    TLS_NOT_TLS: manualFix("the port is not the gateway's TLS port: check the port in the base URL", [
      showCerts,
    ]),
    TLS_RESET: manualFix(
      `a firewall or proxy cuts the connection by name: ask for ${host} to be allowed; from CI, request network access to it`,
      [showCerts],
    ),
    TLS_HANDSHAKE_FAILED: manualFix(
      'look at the handshake by hand; if it fails there too, report it with this output',
      [showCerts],
    ),
  };
  return fail(code, summaries[code]!, { data, fix: fixes[code] ?? null });
}

function fixFor(ctx: CheckContext, code: Code): Fix | null {
  const { host, port } = ctx.config.target;
  switch (code) {
    case 'TLS_UNKNOWN_ISSUER':
      return manualFix(
        `ask whoever runs the proxy or antivirus to exclude ${host} from TLS inspection; do not switch verification off`,
        [showCertsCommand(ctx.config, host, port)],
      );
    case 'TLS_INVALID_PATH':
      return manualFix(
        `a certificate in the chain signs what it may not: the server is not the gateway, or the chain is broken; report it to the Eliza team and do not send a token to ${host}`,
        [showCertsCommand(ctx.config, host, port)],
      );
    case 'TLS_NOT_YET_VALID':
      return manualFix(
        "set this machine's clock right",
        ctx.host.platform === 'darwin' ? ['sudo sntp -sS time.apple.com'] : ['sudo timedatectl set-ntp true'],
      );
    case 'TLS_HOSTNAME_MISMATCH':
      return manualFix(
        'you reached a server that is not the gateway: check the base URL, --resolve, /etc/hosts and the proxy',
        [
          resolvedAddress(ctx.config, host, port)
            ? showCertsCommand(ctx.config, host, port)
            : lookupCommand(host, ctx.host.platform),
        ],
      );
    case 'TLS_NO_CERTIFICATE':
      return manualFix(
        'the server on that port is not the gateway, or something in between strips TLS: look at what answers',
        [showCertsCommand(ctx.config, host, port)],
      );
    case 'TLS_EXPIRED':
      return manualFix(
        "nothing on this machine can fix this: the gateway's certificate is out of date; report it to the Eliza team",
      );
    case 'TLS_EXPIRES_SOON':
      return manualFix(
        "nothing on this machine can fix this: the gateway's certificate expires soon; tell the Eliza team before it does",
      );
    case 'TLS_MISSING_INTERMEDIATE':
      return manualFix(
        `the gateway does not send its intermediate CA: report it to the Eliza team; until then ${selfCommand(ctx.config.invocation, ['fix'])} installs the internal bundle, which holds it`,
      );
    default:
      return null;
  }
}

function emptyFacts(address: string): TlsFacts {
  return {
    address,
    protocol: null,
    cipher: null,
    alpn: null,
    presented: [],
    path: [],
    anchor: null,
    supplied: [],
    leafDaysLeft: null,
    timings: { dnsMs: null, tcpMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 },
    busyMs: null,
  };
}
