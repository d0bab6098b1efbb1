import http from 'node:http';
import type net from 'node:net';
import { classifyError, failure, type NetFailure } from './errors.ts';

/** Through an HTTP proxy: CONNECT to the gateway's port, with the proxy URL's credentials. */
export interface Via {
  proxy: URL;
  gatewayPort: number;
}

/**
 * The Proxy-Authorization value for a proxy URL's credentials, or null. The one place credentials
 * leave a proxy URL: tunnels here, and probe programs (by environment, never argv).
 */
export function proxyAuthorization(proxy: URL): string | null {
  if (!proxy.username) return null;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

/** Asks an HTTP proxy for a tunnel to host:port; hands the raw socket on when it answers 200. */
export function openTunnel(
  address: string,
  port: number,
  host: string,
  via: Via,
  onOpen: (socket: net.Socket) => void,
  onFail: (failure: NetFailure) => void,
): http.ClientRequest {
  const target = `${host.includes(':') ? `[${host}]` : host}:${via.gatewayPort}`;
  const headers: Record<string, string> = { host: target };
  const authorization = proxyAuthorization(via.proxy);
  if (authorization) headers['proxy-authorization'] = authorization;
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
