import { TOKEN_VARIABLES } from '../src/config.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { EnvironmentFacts } from '../src/facts.ts';
import { proxyFor, redactUrl, suggestedNoProxy } from '../src/net/proxy.ts';
import { containerName, containerNotes, windowsStoreAdvice, wslNotes } from '../src/onboard/where.ts';
import { hostPlatform } from '../src/platform.ts';
import { quote, shellCommand } from '../src/quote.ts';

/** curl, and Python's requests with PySocks, tunnel through these; Node and the doctor do not. */
const SOCKS = /^socks(4a?|5h?)?:\/\//i;

export const environmentCheck = defineCheck({
  id: 'environment',
  title: 'Environment',
  network: false,
  async run({ config, host }) {
    const shell = host.env.SHELL ?? null;
    const details: string[] = [];

    const chosen = config.token;
    const token = chosen
      ? {
          source: config.tokenSource!,
          length: chosen.length,
          // The first three characters tell token kinds apart (y0_ ...); only of a long token.
          prefix: chosen.length >= 20 ? chosen.reveal().slice(0, 3) : null,
        }
      : null;
    // The token's shape (quotes, a prefix, a line break) is judged by the token check, which can
    // test it as clients send it; here only the facts.
    if (token) {
      details.push(
        `token from ${token.source}: ${token.length} characters${token.prefix ? `, starts with ${token.prefix}` : ''}`,
      );
    } else {
      details.push(`no token in --token, --token-file or ${TOKEN_VARIABLES.join(', ')}`);
    }

    const proxy = proxyFor(config.target.host, config.target.port, host.env);
    if (proxy?.parsed) {
      details.push(`gateway traffic would go through the proxy ${redactUrl(proxy.url)} (${proxy.variable})`);
    } else if (proxy) {
      details.push(
        `${proxy.variable} names ${redactUrl(proxy.url)}, which the doctor cannot use: it connects direct`,
      );
    } else {
      details.push('no proxy applies to the gateway: connections go direct');
    }

    const platform = await hostPlatform(host);
    const wsl = platform.wsl
      ? { ...platform.wsl, windows: await windowsStoreAdvice(host, platform.wsl) }
      : null;
    if (platform.container) details.push(...containerNotes(platform.container));
    if (wsl) details.push(...wslNotes(wsl, wsl.windows));

    const data: EnvironmentFacts = {
      node: host.nodeVersion,
      platform: host.platform,
      osRelease: host.osRelease,
      arch: host.arch,
      shell,
      token,
      tokenSources: config.tokenCandidates.map((c) => c.source),
      proxy: proxy ? { variable: proxy.variable, url: redactUrl(proxy.url) } : null,
      container: platform.container,
      wsl,
      distribution: platform.distribution,
    };
    const where = [
      platform.distribution,
      wsl ? `WSL ${wsl.version}` : null,
      platform.container ? `in ${containerName(platform.container)}` : null,
    ].filter(Boolean);
    const summary = `Node ${host.nodeVersion} on ${host.platform} ${host.osRelease} (${host.arch})${where.length ? `, ${where.join(', ')}` : ''}${shell ? `, shell ${shell}` : ''}`;
    if (proxy && !proxy.parsed && SOCKS.test(proxy.url)) {
      return warn(
        'PROXY_SOCKS',
        `${proxy.variable}=${redactUrl(proxy.url)} is a SOCKS proxy: curl goes through it (Python too, with PySocks installed; without it, requests fails with "Missing dependencies for SOCKS support"); Node clients, and the doctor, connect direct: the checks below judge the direct path`,
        {
          details: [summary, ...details],
          data,
          fix: manualFix(
            `if the gateway is reachable only through the SOCKS proxy, Node clients cannot reach it: give them an http:// proxy in HTTPS_PROXY; if it is reachable direct, let curl go direct too with NO_PROXY`,
            [`export NO_PROXY=${quote(suggestedNoProxy(config.target.host, host.env))}`],
          ),
        },
      );
    }
    if (proxy && !proxy.parsed) {
      return fail(
        'PROXY_INVALID_URL',
        `${proxy.variable}=${redactUrl(proxy.url)} is not an http:// proxy URL; clients that read it fail, and the doctor connects direct`,
        {
          details: [summary, ...details],
          data,
          fix: manualFix(
            `set ${proxy.variable} to http://host:port (credentials as http://user:password@host:port), or unset it`,
            [shellCommand(['unset', proxy.variable])],
          ),
        },
      );
    }
    return pass(summary, { details, data });
  },
});
