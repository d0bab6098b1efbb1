import type { DoctorConfig } from '../config.ts';
import type { Net } from './index.ts';
import { redactUrl } from './proxy.ts';
import type { Via } from './tunnel.ts';

/** How gateway traffic goes: direct, or through the proxy the environment names. */
export interface GatewayRoute {
  via: Via | undefined;
  /** Where a connection to the gateway is opened: the gateway itself, or the proxy. */
  host: string;
  port: number;
  /** For reports: "direct" or "the proxy http://***@proxy:3128 (HTTPS_PROXY)". */
  description: string;
  /** The variable that names the proxy, when there is one. */
  variable: string | null;
}

export function gatewayRoute({ config, net }: { config: DoctorConfig; net: Net }): GatewayRoute {
  const { host, port } = config.target;
  const choice = net.route(host, port);
  if (!choice?.parsed) return { via: undefined, host, port, description: 'direct', variable: null };
  const proxy = choice.parsed;
  return {
    via: { proxy, gatewayPort: port },
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: Number(proxy.port) || 80,
    description: `the proxy ${redactUrl(proxy.href)} (${choice.variable})`,
    variable: choice.variable,
  };
}
