import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ResolveRule } from '../config.ts';
import { classifyError } from './errors.ts';
import { abortable, boundedSignal, elapsed, type Result } from './wait.ts';

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface LookupResult {
  addresses: Address[];
  /** Came from --resolve, not from DNS. */
  overridden: boolean;
  ms: number;
}

export type Lookup = (host: string, port: number, signal: AbortSignal) => Promise<Result<LookupResult>>;

/** getaddrinfo as clients get it (A and AAAA, in the system's order), --resolve first. */
export function createLookup(resolve: ResolveRule[], timeoutMs: number): Lookup {
  return async (host, port, signal) => {
    const started = performance.now();
    const rule = resolve.find((r) => r.host === host.toLowerCase() && r.port === port);
    if (rule) return { ok: true, overridden: true, ms: 0, addresses: rule.addresses.map(toAddress) };
    if (isIP(host)) return { ok: true, overridden: false, ms: 0, addresses: [toAddress(host)] };
    try {
      const answers = await abortable(
        dns.lookup(host, { all: true, verbatim: true }),
        boundedSignal(signal, timeoutMs),
      );
      return {
        ok: true,
        overridden: false,
        ms: elapsed(started),
        addresses: answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })),
      };
    } catch (error) {
      return { ok: false, failure: classifyError(error), ms: elapsed(started) };
    }
  };
}

/** For undici and tls.connect: the same answers the dns check saw, --resolve included. */
export function socketLookup(lookup: Lookup, port: number, timeoutMs: number): LookupFunction {
  return ((hostname: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    lookup(hostname, port, boundedSignal(null, timeoutMs)).then((result) => {
      if (!result.ok) {
        callback(Object.assign(new Error(result.failure.message), { code: result.failure.cause }));
      } else if (opts.all) callback(null, result.addresses as LookupAddress[]);
      else callback(null, result.addresses[0]!.address, result.addresses[0]!.family);
    }, callback);
  }) as unknown as LookupFunction;
}

export function toAddress(address: string): Address {
  return { address, family: isIP(address) === 6 ? 6 : 4 };
}
