import type { Code } from '../src/codes.ts';
import { fail, manualFix, pass } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { FailureKind } from '../src/net/errors.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { shellCommand } from '../src/quote.ts';
import { lookupCommand } from './shared/diagnostics.ts';

const CODE_BY_KIND: Partial<Record<FailureKind, Code>> = {
  'dns-not-found': 'DNS_NOT_FOUND',
  'dns-temporary': 'DNS_TEMPORARY',
  timeout: 'DNS_TIMEOUT',
};

export const dnsCheck = defineCheck({
  id: 'dns',
  title: 'Gateway name (DNS)',
  network: true,
  async run(ctx) {
    const { config, net, signal } = ctx;
    const route = gatewayRoute(ctx);
    const { host, port } = route;
    const result = await net.lookup(host, port, signal);
    if (!result.ok) {
      const f = result.failure;
      const data = { host, route: route.description, addresses: [], overridden: false, ms: result.ms };
      if (route.via) {
        // The gateway's own name is the proxy's to resolve: what failed here is the proxy's name.
        return fail(
          'PROXY_NOT_FOUND',
          `the proxy's host ${host}, named in ${route.variable}, does not resolve (${f.cause}): a wrong proxy variable, or a proxy of another network?`,
          {
            data,
            fix: manualFix(
              `correct ${route.variable}, or unset it if this network has no proxy; then check that the proxy's name resolves`,
              [shellCommand(['unset', route.variable!]), lookupCommand(host, ctx.host.platform)],
            ),
          },
        );
      }
      const code = CODE_BY_KIND[f.kind] ?? 'DNS_ERROR';
      const summary =
        f.kind === 'dns-not-found'
          ? `${host} does not resolve (${f.cause}): is this machine on the corporate network or VPN?`
          : f.kind === 'timeout'
            ? `no DNS answer for ${host} within ${config.timeoutMs} ms: the resolver is unreachable or slow`
            : f.kind === 'dns-temporary'
              ? `the resolver could not answer for ${host} right now (${f.cause}): DNS servers unreachable?`
              : `looking up ${host} failed: ${f.cause} ${f.message}`;
      return fail(code, summary, {
        data,
        fix: manualFix(
          code === 'DNS_ERROR'
            ? 'check the name in the base URL, then that it resolves'
            : 'connect to the corporate network or VPN, then check that the name resolves',
          [lookupCommand(host, ctx.host.platform)],
        ),
      });
    }
    const v4 = result.addresses.filter((a) => a.family === 4).length;
    const v6 = result.addresses.length - v4;
    const list = result.addresses.map((a) => a.address).join(', ');
    const summary = route.via
      ? `gateway traffic goes through ${route.description}; ${host} resolves to ${list}, and the proxy resolves ${config.target.host}`
      : result.overridden
        ? `--resolve sends ${host}:${port} to ${list} (DNS not consulted)`
        : `${host} resolves to ${list}`;
    return pass(summary, {
      details: [`${v4} IPv4 (A) and ${v6} IPv6 (AAAA) addresses, as getaddrinfo gives them to clients`],
      data: {
        host,
        route: route.description,
        addresses: result.addresses,
        overridden: result.overridden,
        ms: result.ms,
      },
    });
  },
});
