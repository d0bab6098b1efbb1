import type { Code } from '../src/codes.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { TcpAttempt, TcpFacts } from '../src/facts.ts';
import type { FailureKind } from '../src/net/errors.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { shellCommand } from '../src/quote.ts';
import { connectCommand } from './shared/diagnostics.ts';

/** When every address fails, the most telling failure names the whole: a timeout says most. */
const PRIORITY: FailureKind[] = ['timeout', 'unreachable', 'refused', 'reset'];
const CODE_BY_KIND: Partial<Record<FailureKind, Code>> = {
  timeout: 'TCP_TIMEOUT',
  refused: 'TCP_REFUSED',
  unreachable: 'TCP_UNREACHABLE',
};

export const tcpCheck = defineCheck({
  id: 'tcp',
  title: 'Gateway port (TCP)',
  needs: ['dns'],
  network: true,
  async run(ctx) {
    const route = gatewayRoute(ctx);
    const { port, host } = route;
    const { addresses } = (await ctx.result('dns')).data;
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
        fix: manualFix(
          `check ${route.variable} names the right proxy, and that the proxy runs; or unset it`,
          [
            shellCommand(['nc', '-vz', '-w', '5', host, String(port)]),
            shellCommand(['unset', route.variable!]),
          ],
        ),
      });
    }
    const code = CODE_BY_KIND[worst.kind] ?? 'TCP_ERROR';
    const summaries: Partial<Record<Code, string>> = {
      TCP_TIMEOUT: `no answer from ${host}:${port} within ${ctx.config.timeoutMs} ms: a firewall drops the traffic, or this machine has no network access to the gateway`,
      TCP_REFUSED: `${host}:${port} refused the connection: nothing listens there (a wrong port in the base URL?)`,
      TCP_UNREACHABLE: `no route to ${host}:${port} (${worst.cause}): e.g. only IPv6 addresses and no IPv6 route, or a VPN that is down`,
      TCP_ERROR: `connecting to ${host}:${port} failed: ${worst.cause}`,
    };
    return fail(code, summaries[code]!, {
      details: lines,
      data,
      fix: manualFix(
        code === 'TCP_TIMEOUT'
          ? `from a remote or CI machine, request network access to ${host}:${port}; locally, check the VPN`
          : 'check the base URL, the VPN and the route to the gateway',
        [connectCommand(ctx.config, host, port)],
      ),
    });
  },
});
