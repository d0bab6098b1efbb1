import type { DoctorConfig } from '../../src/config.ts';
import { shellCommand } from '../../src/quote.ts';

/**
 * The commands a fix suggests for looking at the network by hand: right for this OS (macOS has
 * no getent) and for --resolve (which the system's resolver knows nothing of: test the address
 * the run used, not the name).
 */

/** How the system resolves a name, as clients will see it. */
export function lookupCommand(host: string, platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? shellCommand(['dscacheutil', '-q', 'host', '-a', 'name', host])
    : shellCommand(['getent', 'ahosts', host]);
}

/** The address --resolve gives for host:port, or null when the name goes to DNS. */
export function resolvedAddress(config: DoctorConfig, host: string, port: number): string | null {
  const rule = config.resolve.find((r) => r.host === host.toLowerCase() && r.port === port);
  return rule?.addresses[0] ?? null;
}

/** Whether host:port accepts connections: to the --resolve address when there is one. */
export function connectCommand(config: DoctorConfig, host: string, port: number): string {
  return shellCommand(['nc', '-vz', '-w', '5', resolvedAddress(config, host, port) ?? host, String(port)]);
}

/** The chain the server sends, by name (SNI) to the --resolve address when there is one. */
export function showCertsCommand(config: DoctorConfig, host: string, port: number): string {
  const address = resolvedAddress(config, host, port);
  const target = address ? (address.includes(':') ? `[${address}]` : address) : host;
  return `${shellCommand(['openssl', 's_client', '-connect', `${target}:${port}`, '-servername', host, '-showcerts'])} </dev/null`;
}
