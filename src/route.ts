import type { CheckContext } from './engine/types.ts';
import type { Via } from './net/index.ts';
import { redactUrl } from './net/proxy.ts';

/** How gateway traffic goes: direct, or through the proxy the environment names. */
export interface Route {
  via: Via | undefined;
  /** Where a connection to the gateway is opened: the gateway itself, or the proxy. */
  host: string;
  port: number;
  /** For reports: "direct" or "the proxy http://***@proxy:3128 (HTTPS_PROXY)". */
  description: string;
}

export function gatewayRoute(ctx: Pick<CheckContext, 'config' | 'net'>): Route {
  const { host, port } = ctx.config.target;
  const choice = ctx.net.route(host, port);
  if (!choice?.parsed) return { via: undefined, host, port, description: 'direct' };
  const proxy = choice.parsed;
  return {
    via: { proxy, gatewayPort: port },
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: Number(proxy.port) || 80,
    description: `the proxy ${redactUrl(proxy.href)} (${choice.variable})`,
  };
}

/** The Proxy-Authorization value for a tunnel, or null: handed to probe programs by environment, never argv. */
export function proxyAuthorization(via: Via | undefined): string | null {
  if (!via?.proxy.username) return null;
  const credentials = `${decodeURIComponent(via.proxy.username)}:${decodeURIComponent(via.proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
