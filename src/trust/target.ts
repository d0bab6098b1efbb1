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
