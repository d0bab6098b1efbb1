import type { Code } from '../src/codes.ts';
import { cleanToken, TOKEN_VARIABLES } from '../src/config.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { EnvironmentFacts } from '../src/facts.ts';
import { proxyFor, redactUrl } from '../src/net/proxy.ts';
import { containerName, containerNotes, windowsStoreAdvice, wslNotes } from '../src/onboard/where.ts';
import { hostPlatform } from '../src/platform.ts';

interface Finding {
  code: Code;
  text: string;
}

export const environmentCheck = defineCheck({
  id: 'environment',
  title: 'Environment',
  network: false,
  async run({ config, host }) {
    const shell = host.env.SHELL ?? null;
    const findings: Finding[] = [];
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
    if (token) {
      details.push(
        `token from ${token.source}: ${token.length} characters${token.prefix ? `, starts with ${token.prefix}` : ''}`,
      );
    } else {
      details.push(`no token in --token, --token-file or ${TOKEN_VARIABLES.join(', ')}`);
    }

    for (const candidate of config.tokenCandidates) {
      const raw = candidate.value.reveal();
      const trimmed = raw.trim();
      if (trimmed === '') {
        findings.push({ code: 'TOKEN_BLANK', text: `${candidate.source} is set but holds only white space` });
        continue;
      }
      if (/^(["']).*\1$/s.test(trimmed)) {
        findings.push({
          code: 'TOKEN_QUOTED',
          text: `${candidate.source} holds the token in quotes; clients send the quotes too`,
        });
      }
      if (/^(OAuth|Bearer)\s/i.test(trimmed.replace(/^["']/, ''))) {
        findings.push({
          code: 'TOKEN_HAS_PREFIX',
          text: `${candidate.source} starts with "${trimmed.replace(/^["']/, '').split(/\s/)[0]} ": clients add that word themselves, so they would send it twice`,
        });
      }
      if (raw !== trimmed) {
        const what = /[\r\n]/.test(raw) ? 'a line break' : 'white space';
        findings.push({
          code: 'TOKEN_HAS_WHITESPACE',
          text: `${candidate.source} carries ${what} around the token; many clients send it as is and get 401`,
        });
      } else if (/\s/.test(trimmed.replace(/^(OAuth|Bearer)\s+/i, ''))) {
        findings.push({
          code: 'TOKEN_HAS_WHITESPACE',
          text: `${candidate.source} has white space inside the token`,
        });
      }
    }
    const fromVariables = config.tokenCandidates.filter((c) => c.value.reveal().trim() !== '');
    const distinct = new Set(fromVariables.map((c) => cleanToken(c.value.reveal())));
    if (distinct.size > 1) {
      findings.push({
        code: 'TOKEN_SOURCES_DISAGREE',
        text: `${fromVariables.map((c) => c.source).join(', ')} hold different tokens; ${config.tokenSource} is used, other tools may read another`,
      });
    }

    const proxy = proxyFor(config.target.host, config.target.port, host.env);
    if (proxy) {
      details.push(`gateway traffic would go through the proxy ${redactUrl(proxy.url)} (${proxy.variable})`);
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
    if (proxy && !proxy.parsed) {
      return fail(
        'PROXY_INVALID_URL',
        `${proxy.variable}=${redactUrl(proxy.url)} is not an http:// proxy URL; clients that read it fail, and the doctor connects direct`,
        {
          details: [...findings.map((f) => f.text), summary, ...details],
          data,
          fix: manualFix(
            `set ${proxy.variable} to http://host:port (credentials as http://user:password@host:port), or unset it`,
            [`unset ${proxy.variable}`],
          ),
        },
      );
    }
    const first = findings[0];
    if (!first) return pass(summary, { details, data });
    const fixTarget = config.tokenSource?.startsWith('--') ? null : config.tokenSource;
    return warn(first.code, first.text, {
      details: [...findings.slice(1).map((f) => f.text), summary, ...details],
      data,
      fix: manualFix(
        'store the bare token: no quotes, no OAuth/Bearer word, no white space',
        fixTarget
          ? [
              `export ${fixTarget}="$(printf %s "$${fixTarget}" | tr -d "[:space:]\\"'" | sed -E 's/^(OAuth|Bearer)//')"`,
            ]
          : [],
      ),
    });
  },
});
