import { PROGRAM_START_ALLOWANCE_MS } from '../../src/engine/allowance.ts';
import type { CheckContext } from '../../src/engine/types.ts';
import { gatewayRoute } from '../../src/net/route.ts';
import { proxyAuthorization } from '../../src/net/tunnel.ts';
import type { EarlyTarget, ProbeTarget } from '../../src/trust/probes.ts';

/**
 * Where a trust probe connects: the address tcp found working (the gateway's, or the proxy's),
 * through the proxy if there is one.
 */
export async function probeTarget(ctx: CheckContext): Promise<ProbeTarget> {
  const target = earlyProbeTarget(ctx);
  return { ...target, address: await target.address };
}

/**
 * The same, for a probe started before tcp has finished: everything but the address is known from
 * the configuration, and the address follows when tcp has one (a broken tcp: the promise rejects,
 * and the probe reads no address).
 */
export function earlyProbeTarget(ctx: CheckContext): EarlyTarget {
  const route = gatewayRoute(ctx);
  const { host, port } = ctx.config.target;
  const address = ctx.result('tcp').then((tcp) => tcp.data.working[0]!.address);
  // Read by the probe, which handles a rejection; this keeps it from counting as unhandled meanwhile.
  address.catch(() => undefined);
  if (!route.via) return { address, port, host };
  return {
    address,
    port: route.port,
    host,
    gatewayPort: port,
    proxyAuthorization: proxyAuthorization(route.via.proxy),
  };
}

/**
 * How the trust checks are scheduled: their probes start as soon as tcp has an address, while
 * tls is still judging the chain (which they need only for the verdict); if tls breaks, their
 * answer is dropped. They start other programs, hence the allowance.
 */
export const TRUST_PROBE_SCHEDULE = {
  needs: ['tcp', 'tls'],
  reads: ['ca-bundle'],
  startEarly: true,
  network: true,
  startupAllowanceMs: PROGRAM_START_ALLOWANCE_MS,
} as const;
