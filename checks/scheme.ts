import type { Code } from '../src/codes.ts';
import { DEFAULT_BASE_URL } from '../src/config.ts';
import { RAW_ANTHROPIC_PATH, RAW_OPENAI_PATH } from '../src/eliza/answers.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix } from '../src/engine/types.ts';
import type { SchemeFacts } from '../src/facts.ts';
import { redactUrl } from '../src/net/proxy.ts';
import { quote } from '../src/quote.ts';

interface Finding {
  status: 'fail' | 'warn';
  code: Code;
  text: string;
  fix: Fix;
}

const SDK_VARIABLES = [
  { name: 'OPENAI_BASE_URL', path: RAW_OPENAI_PATH },
  { name: 'OPENAI_API_BASE', path: RAW_OPENAI_PATH },
  { name: 'ANTHROPIC_BASE_URL', path: RAW_ANTHROPIC_PATH },
] as const;

/** The documented symptom of http:// is a hang; this long is enough to see it and say so. */
const HTTP_PROBE_MS = 2000;

export const schemeCheck = defineCheck({
  id: 'scheme',
  title: 'Base URL scheme',
  network: true,
  worksOffline: true,
  async run(ctx) {
    const { config } = ctx;
    const given = config.givenBaseUrl;
    const httpsRoot = config.target.baseUrl;
    const findings: Finding[] = [];
    const data: SchemeFacts = {
      baseUrl: given.href,
      httpsUrl: httpsRoot,
      httpProbe: null,
      httpsProbe: null,
      sdkVariables: [],
    };

    if (given.protocol === 'http:') {
      const probes = ctx.config.offline ? null : await probeBoth(ctx);
      data.httpProbe = probes?.http.text ?? null;
      data.httpsProbe = probes?.https.text ?? null;
      // Offline, or when https:// answers, the https URL is the cure; when it does not answer
      // either, proposing it would send the user from one dead URL to another.
      const httpsDead = probes !== null && !probes.https.answers;
      findings.push({
        status: 'fail',
        code: 'SCHEME_HTTP',
        text: httpsDead
          ? `the base URL ${stripSlash(given.href)} uses http://, and ${httpsRoot} does not answer either`
          : `the base URL ${stripSlash(given.href)} uses http://; Eliza answers only on ${httpsRoot}`,
        fix: httpsDead
          ? manualFix(
              `the port answers ${probes.http.answered ? 'plain http:// only, not TLS' : 'neither http:// nor https://'}: the address or port is wrong, or the network is in the way; the dns, tcp and tls checks say which. Eliza's base URL is ${DEFAULT_BASE_URL}`,
            )
          : setVariable(config.baseUrlSource, 'ELIZA_BASE_URL', httpsRoot),
      });
    } else if (given.pathname !== '/' && given.pathname !== '') {
      findings.push({
        status: 'warn',
        code: 'SCHEME_BASE_URL_PATH',
        text: `the base URL carries the path ${given.pathname}; the doctor wants the gateway root, ${httpsRoot}`,
        fix: setVariable(config.baseUrlSource, 'ELIZA_BASE_URL', httpsRoot),
      });
    }

    for (const { name, path } of SDK_VARIABLES) {
      const value = ctx.host.env[name]?.trim();
      if (!value) continue;
      const expected = `${httpsRoot}${path}`;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        data.sdkVariables.push({ name, value: redactUrl(value), expected, verdict: 'not a URL' });
        findings.push({
          status: 'warn',
          code: 'SCHEME_SDK_INVALID_URL',
          text: `${name}=${redactUrl(value)} is not a URL`,
          fix: setVariable('env', name, expected),
        });
        continue;
      }
      // Only variables aimed at this gateway are the doctor's business.
      if (url.hostname.replace(/^\[|\]$/g, '').toLowerCase() !== config.target.host.toLowerCase()) continue;
      if (url.protocol === 'http:') {
        data.sdkVariables.push({ name, value: redactUrl(value), expected, verdict: 'http' });
        findings.push({
          status: 'fail',
          code: 'SCHEME_SDK_HTTP',
          text: `${name}=${redactUrl(value)} uses http://: SDK requests will hang until they time out`,
          fix: setVariable('env', name, expected),
        });
      } else if (!url.pathname.startsWith('/raw/')) {
        data.sdkVariables.push({ name, value: redactUrl(value), expected, verdict: 'not raw' });
        findings.push({
          status: 'fail',
          code: 'SCHEME_SDK_NOT_RAW',
          text: `${name}=${redactUrl(value)} lacks the /raw prefix: the SDK gets Eliza's wrapper and cannot parse it; use ${expected}`,
          fix: setVariable('env', name, expected),
        });
      } else if (stripSlash(url.pathname) !== path) {
        data.sdkVariables.push({ name, value: redactUrl(value), expected, verdict: 'wrong path' });
        findings.push({
          status: 'warn',
          code: 'SCHEME_SDK_WRONG_PATH',
          text: `${name}=${redactUrl(value)} is not the SDK base URL; use ${expected}`,
          fix: setVariable('env', name, expected),
        });
      } else {
        data.sdkVariables.push({ name, value: redactUrl(value), expected, verdict: 'ok' });
      }
    }

    const details = [
      ...(data.httpProbe ? [`http://: ${data.httpProbe}`] : []),
      ...(data.httpsProbe ? [`https://: ${data.httpsProbe}`] : []),
      ...data.sdkVariables.filter((v) => v.verdict === 'ok').map((v) => `${v.name}=${v.value}: right`),
    ];
    const primary = findings.find((f) => f.status === 'fail') ?? findings[0];
    if (!primary) {
      return pass(`${httpsRoot} uses https://`, { details, data });
    }
    const others = findings.filter((f) => f !== primary);
    const outcome = primary.status === 'fail' ? fail : warn;
    return outcome(primary.code, primary.text, {
      details: [...others.map((f) => f.text), ...details],
      data,
      fix: manualFix(
        findings.map((f) => f.fix.summary).join('; '),
        findings.flatMap((f) => f.fix.commands),
      ),
    });
  },
});

interface Probes {
  http: { text: string; answered: boolean };
  https: { text: string; answers: boolean };
}

/** What http:// does (the docs say: hangs) and whether https:// answers instead. */
async function probeBoth(ctx: CheckContext): Promise<Probes> {
  const { config, net, signal } = ctx;
  const given = config.givenBaseUrl;
  const httpPort = given.port ? Number(given.port) : 80;
  const bound = Math.min(config.timeoutMs, HTTP_PROBE_MS);
  const describeHttp = async (): Promise<Probes['http']> => {
    const lookup = await net.lookup(config.target.host, httpPort, signal);
    if (!lookup.ok) return { text: `not tried: ${config.target.host} does not resolve`, answered: false };
    const result = await net.plainHttp(
      { address: lookup.addresses[0]!.address, port: httpPort, host: config.target.host, timeoutMs: bound },
      signal,
    );
    if (result.ok && result.partial) {
      const status = result.status ? ` (${result.status})` : '';
      return {
        text: `began to answer${status} but the answer stalled or was cut short after ${result.ms} ms: something listens there`,
        answered: true,
      };
    }
    if (result.ok) {
      const redirect = result.location?.startsWith('https://') ? `, redirecting to ${result.location}` : '';
      return { text: `answered ${result.status}${redirect} after ${result.ms} ms`, answered: true };
    }
    if (result.failure.kind === 'timeout') {
      return {
        text: `no answer at all within ${(bound / 1000).toFixed(1)} s: the documented "Connection timed out" symptom`,
        answered: false,
      };
    }
    return { text: `failed: ${result.failure.cause}`, answered: false };
  };
  const describeHttps = async (): Promise<Probes['https']> => {
    const lookup = await net.lookup(config.target.host, config.target.port, signal);
    if (!lookup.ok) return { text: `not tried: ${config.target.host} does not resolve`, answers: false };
    const result = await net.tlsProbe(
      {
        address: lookup.addresses[0]!.address,
        port: config.target.port,
        host: config.target.host,
        trust: { kind: 'presented-only' },
        timeoutMs: bound,
      },
      signal,
    );
    return result.ok
      ? {
          text: `${config.target.baseUrl} answers (${result.protocol}) in ${result.tcpMs + result.tlsMs} ms`,
          answers: true,
        }
      : {
          text: `${config.target.baseUrl} does not answer either (${result.failure.cause}); see the checks below`,
          answers: false,
        };
  };
  const [http, https] = await Promise.all([describeHttp(), describeHttps()]);
  return { http, https };
}

function setVariable(source: string, variable: string, value: string): Fix {
  if (source === '--base-url') {
    return manualFix(`use --base-url ${value}`);
  }
  const name = source === 'env' || source === 'default' ? variable : source;
  return manualFix(`set ${name} to ${value} (in your shell startup file too, if it is set there)`, [
    `export ${name}=${quote(value)}`,
  ]);
}

function stripSlash(text: string): string {
  return text.replace(/\/+$/, '');
}
