import { fail, pass, warn } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import { codeFor, type FailureKind } from '../src/net/errors.ts';
import type { Address } from '../src/net/index.ts';
import { gatewayRoute } from '../src/route.ts';
import type { DnsFacts } from './dns.ts';

export interface TcpAttempt extends Address {
  ok: boolean;
  ms: number;
  cause: string | null;
}

export interface TcpFacts {
  port: number;
  attempts: TcpAttempt[];
  /** Those that connected, fastest first: later checks use the first. */
  working: Address[];
}

/** When every address fails, the most telling failure names the whole: a timeout says most. */
const PRIORITY: FailureKind[] = ['timeout', 'unreachable', 'refused', 'reset'];

export const tcpCheck = defineCheck<TcpFacts>({
  id: 'tcp',
  title: 'Gateway port accepts connections',
  dependsOn: ['dns'],
  network: true,
  async run(ctx) {
    const route = gatewayRoute(ctx);
    const { port, host } = route;
    const { addresses } = ctx.dependency<DnsFacts>('dns').data;
    const results = await Promise.all(
      addresses.map(async (a) => ({
        address: a,
        result: await ctx.net.connect(a.address, port, ctx.signal),
      })),
    );
    const attempts: TcpAttempt[] = results.map(({ address, result }) => ({
      ...address,
      ok: result.ok,
      ms: result.ms,
      cause: result.ok ? null : result.failure.cause,
    }));
    const working = attempts
      .filter((a) => a.ok)
      .sort((a, b) => a.ms - b.ms)
      .map(({ address, family }) => ({ address, family }));
    const data: TcpFacts = { port, attempts, working };
    const lines = attempts.map(
      (a) => `${a.address} (IPv${a.family}): ${a.ok ? `connected in ${a.ms} ms` : `failed, ${a.cause}`}`,
    );
    if (working.length === attempts.length) {
      return pass(
        `port ${port} open on ${working.length === 1 ? working[0]!.address : `all ${working.length} addresses`}`,
        {
          details: lines,
          data,
        },
      );
    }
    if (working.length > 0) {
      const families = new Set(working.map((a) => a.family));
      const broken = attempts.filter((a) => !a.ok);
      return warn(
        'TCP_PARTIAL',
        `port ${port} opens on ${working.map((a) => a.address).join(', ')} but not on ${broken.map((a) => a.address).join(', ')}${
          families.size === 1 ? `: only IPv${[...families][0]} works` : ''
        }`,
        { details: [...lines, 'clients that try a broken address first wait for it to time out'], data },
      );
    }
    const failures = results.flatMap(({ result }) => (result.ok ? [] : [result.failure]));
    const worst = PRIORITY.map((k) => failures.find((f) => f.kind === k)).find(Boolean) ?? failures[0]!;
    if (route.via) {
      return fail('PROXY_UNREACHABLE', `${route.description} does not accept connections (${worst.cause})`, {
        details: lines,
        data,
        fix: {
          summary: 'check the proxy variable, or that the proxy runs',
          commands: [`nc -vz -w 5 ${host} ${port}`],
          automated: false,
        },
      });
    }
    const code =
      worst.kind === 'timeout' || worst.kind === 'refused' || worst.kind === 'unreachable'
        ? codeFor('TCP', worst)
        : 'TCP_ERROR';
    const summaries: Record<string, string> = {
      TCP_TIMEOUT: `no answer from ${host}:${port} within ${ctx.config.timeoutMs} ms: a firewall drops the traffic, or this machine has no network access to the gateway`,
      TCP_REFUSED: `${host}:${port} refused the connection: nothing listens there (a wrong port in the base URL?)`,
      TCP_UNREACHABLE: `no route to ${host}:${port} (${worst.cause}): e.g. only IPv6 addresses and no IPv6 route, or a VPN that is down`,
      TCP_ERROR: `connecting to ${host}:${port} failed: ${worst.cause}`,
    };
    return fail(code, summaries[code]!, {
      details: lines,
      data,
      fix: {
        summary:
          code === 'TCP_TIMEOUT'
            ? `from a remote or CI machine, request network access to ${host}:${port}; locally, check the VPN`
            : 'check the base URL, the VPN and the route to the gateway',
        commands: [`nc -vz -w 5 ${host} ${port}`],
        automated: false,
      },
    });
  },
});
