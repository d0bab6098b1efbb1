import { PROGRAM_START_ALLOWANCE_MS } from '../engine/allowance.ts';
import type { CheckContext } from '../engine/types.ts';
import { gatewayRoute, proxyAuthorization } from '../route.ts';
import type { Target } from './probes.ts';

/** Where a trust probe connects: the address the tls check used, through the proxy if there is one. */
export function probeTarget(ctx: CheckContext, address: string): Target {
  const route = gatewayRoute(ctx);
  const { host, port } = ctx.config.target;
  if (!route.via) return { address, port, host };
  return {
    address,
    port: route.port,
    host,
    gatewayPort: port,
    proxyAuthorization: proxyAuthorization(route.via),
  };
}

/**
 * How the trust checks are scheduled: their probes start as soon as tcp has an address, while
 * tls is still judging the chain (which they need only for the verdict); if tls fails, their
 * answer is dropped. They start other programs, hence the allowance.
 */
export const TRUST_PROBE_SCHEDULE = {
  dependsOn: ['tls'],
  speculative: true,
  uses: ['ca-bundle', 'tcp'],
  network: true,
  startupAllowanceMs: PROGRAM_START_ALLOWANCE_MS,
} as const;

/** The address tcp found working: the gateway's, or the proxy's. */
export function tcpAddress(ctx: CheckContext): string {
  return ctx.dependency<{ working: { address: string }[] }>('tcp').data.working[0]!.address;
}
