import path from 'node:path';
import {
  fixCannotCure,
  libraryFix,
  libraryVerdicts,
  type PythonSdkConfig,
  pythonSdkConfigs,
  shortVersion,
  verdictLine,
} from '../src/clients/python.ts';
import { PYTHON_IMPORT_ALLOWANCE_MS, type WayVerdict } from '../src/clients/python-probe.ts';
import type { ClientFacts, ClientTrust } from '../src/clients/types.ts';
import type { Code } from '../src/codes.ts';
import { displayable } from '../src/display.ts';
import { fail, manualFix, pass, skip } from '../src/engine/outcome.ts';
import type { CheckContext, Outcome } from '../src/engine/types.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { ClientPythonFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { shellCommand } from '../src/quote.ts';
import { anthropicMessages } from '../src/stream/anthropic-messages.ts';
import { openAiChat } from '../src/stream/openai-chat.ts';
import { probePythonClients } from '../src/trust/python.ts';
import { probeNewTerminal } from '../src/trust/terminal.ts';
import {
  elizaBaseUrl,
  emptyFacts,
  judgeClient,
  osStorePem,
  pointsAtEliza,
  readCaFile,
} from './shared/client.ts';
import { earlyProbeTarget, TRUST_PROBE_SCHEDULE } from './shared/trust-probe.ts';

const MAX_CA_DIR_FILES = 1000;
const RANK = { fail: 0, warn: 1, pass: 2, skip: 3 } as const;
const TRUST_CODES: readonly Code[] = [
  'CLIENT_UNTRUSTED',
  'CLIENT_PYTHON_STRICT_X509',
  'CLIENT_CA_UNREADABLE',
];

export const clientPythonCheck = defineCheck({
  id: 'client-python',
  title: 'Python clients',
  ...TRUST_PROBE_SCHEDULE,
  // Importing requests, httpx and aiohttp takes longer than starting Python does.
  startupAllowanceMs: PYTHON_IMPORT_ALLOWANCE_MS,
  reads: [...TRUST_PROBE_SCHEDULE.reads, 'models'],
  http: true,
  async run(ctx) {
    const data: ClientPythonFacts = {
      ...emptyFacts(false),
      python: null,
      version: null,
      libraries: [],
      sdks: [],
    };
    const python = await ctx.host.findExecutable('python3');
    if (!python) return skip('CLIENT_NOT_FOUND', 'no python3 on PATH', { data });
    data.python = python;
    // The keys an SDK would send are secrets from the start, whatever is printed later.
    for (const name of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']) {
      const value = ctx.host.env[name]?.trim();
      if (value) ctx.registerSecret(value);
    }
    // The same python3 child as trust-python's probe (src/trust/python.ts).
    const target = earlyProbeTarget(ctx);
    // A new terminal's trust variables, as trust-python judges them: what fix's re-check proves.
    const { terminal, result: probe } = await probeNewTerminal(ctx.host, ctx.config.timeoutMs, (env) =>
      probePythonClients(ctx.host, python, env, target, {
        timeoutMs: ctx.config.timeoutMs,
        langchainProxy: !!env.OPENAI_PROXY?.trim(),
        signal: ctx.signal,
      }),
    );
    if ('error' in probe) {
      return fail(
        'CLIENT_PYTHON_PROBE_FAILED',
        `could not ask Python which libraries it has: ${probe.error}`,
        {
          data,
          fix: manualFix(`check that ${python} runs: the doctor starts it as \`python3 -I\``, [
            shellCommand([python, '-I', '-c', 'import ssl; print(ssl.OPENSSL_VERSION)']),
          ]),
        },
      );
    }
    const env = terminal.env;
    const libraries = libraryVerdicts(probe, env);
    data.version = probe.version;
    data.libraries = libraries;
    data.found = libraries.length > 0;
    if (libraries.length === 0) {
      return skip(
        'CLIENT_NOT_FOUND',
        `Python ${probe.version} has none of the HTTP or AI libraries the doctor knows`,
        {
          data,
        },
      );
    }
    const details = [`Python ${probe.version} (${python})`, ...libraries.map(verdictLine)];
    const proxy = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'].find((n) => env[n]?.trim());
    if (proxy)
      details.push(
        `${proxy} is set: requests, httpx and the SDKs go through it (aiohttp only with trust_env=True)`,
      );
    const unreachable = libraries.filter((v) => v.authorized === null);
    const failing = libraries.filter((v) => v.authorized === false);

    const sdkOutcomes: { config: PythonSdkConfig; outcome: Outcome }[] = [];
    const configs = pythonSdkConfigs(probe, env);
    const elsewhere = configs.filter((c) => !pointsAtEliza(ctx, c.baseUrl.value));
    for (const config of elsewhere) {
      details.push(
        `${config.client}: ${config.baseUrl.source} is ${displayable(config.baseUrl.value)}, not Eliza (Eliza: ${elizaBaseUrl(ctx, config.family)})`,
      );
    }
    // Each SDK's request at once: the check's bound holds them all, not their sum.
    const atEliza = configs.filter((c) => pointsAtEliza(ctx, c.baseUrl.value));
    const judged = await Promise.all(atEliza.map((config) => judgeSdk(ctx, config, probe.ways[config.way]!)));
    atEliza.forEach((config, i) => {
      const outcome = judged[i]!;
      data.pointedAtEliza = true;
      data.baseUrl ??= config.baseUrl;
      data.request ??= (outcome.data as ClientFacts).request;
      data.sdks.push({ client: config.client, status: outcome.status, code: outcome.code });
      sdkOutcomes.push({ config, outcome });
      details.push(
        `${config.client} → ${displayable(config.baseUrl.value)} (${config.baseUrl.source}): ${outcome.code ? `${outcome.code}: ` : ''}${outcome.summary}`,
      );
    });
    if (configs.length === 0) {
      const sdk = libraries.find((v) => v.library === 'openai' || v.library === 'anthropic');
      if (sdk) details.push(snippet(ctx, sdk.library === 'anthropic' ? 'anthropic' : 'openai'));
    }

    // An SDK's own trust failure is its library's: the libraries' verdict names them all at once.
    const sdkFailure = sdkOutcomes.find(
      (s) => s.outcome.status === 'fail' && !(failing.length > 0 && TRUST_CODES.includes(s.outcome.code!)),
    );
    if (sdkFailure) {
      return { ...sdkFailure.outcome, details: [...details, ...sdkFailure.outcome.details], data };
    }
    if (failing.length > 0) {
      const code = failing.every((v) => v.strictOnly)
        ? 'CLIENT_PYTHON_STRICT_X509'
        : failing.every((v) => v.error?.startsWith('bundle: '))
          ? 'CLIENT_CA_UNREADABLE'
          : 'CLIENT_UNTRUSTED';
      const worked = libraries.filter((v) => v.authorized === true).map(verdictLine);
      const summary = [
        ...worked,
        ...failing.map((v) => `${v.library} ${shortVersion(v.version)} (${v.trust}) does not`),
      ].join(', ');
      const fixes = failing.map(libraryFix);
      const curable = failing.some((v) => !fixCannotCure(v));
      return fail(code, summary, {
        details: [...details, 'what each one needs:', ...fixes.map((f) => `  ${f}`)],
        data,
        fix: curable ? trustFix(ctx.config, ctx.host.env) : manualFix(fixes.join('; ')),
      });
    }
    if (unreachable.length > 0) {
      return fail(
        'CLIENT_NO_ANSWER',
        `Python could not reach the gateway to try ${unreachable.map((v) => v.library).join(', ')}: ${unreachable[0]!.error}`,
        { details, data },
      );
    }
    const sdkWarning = sdkOutcomes.sort((a, b) => RANK[a.outcome.status] - RANK[b.outcome.status])[0];
    if (sdkWarning && sdkWarning.outcome.status === 'warn') {
      return { ...sdkWarning.outcome, details: [...details, ...sdkWarning.outcome.details], data };
    }
    data.trustedVia = [...new Set(libraries.map((v) => v.trust))].join(', ');
    const streamed = sdkOutcomes.map((s) => `${s.config.client} streams from Eliza`);
    return pass([libraries.map(verdictLine).join(', '), ...streamed].join('; '), { details, data });
  },
});

/**
 * An SDK pointed at Eliza, judged with the CAs its own version trusts. Python's handshake is the
 * word on trust (Node's verifier does not know VERIFY_X509_STRICT): when Python rejected the way,
 * the SDK is untrusted whatever a Node handshake would say.
 */
async function judgeSdk(ctx: CheckContext, config: PythonSdkConfig, way: WayVerdict): Promise<Outcome> {
  const trust = await trustOf(ctx, way);
  const untrusted = trustFix(ctx.config, ctx.host.env);
  const outcome = await judgeClient(
    ctx,
    {
      client: config.client,
      baseUrl: config.baseUrl,
      api: config.family === 'anthropic' ? anthropicMessages : openAiChat,
      family: config.family,
      credentials: config.credentials,
      headers: {},
      model: null,
      trust,
    },
    { fixes: { CLIENT_UNTRUSTED: untrusted } },
  );
  if (way.authorized === false && outcome.status !== 'fail') {
    return fail(
      way.strictOnly ? 'CLIENT_PYTHON_STRICT_X509' : 'CLIENT_UNTRUSTED',
      `Python rejects the gateway with the CAs ${config.client} trusts (${trust.label}): ${way.error}`,
      { data: outcome.data, fix: way.strictOnly ? null : untrusted },
    );
  }
  return outcome;
}

/** Exactly the CAs a way trusts, read through ctx.host: a file, a folder of them, or the OS store. */
async function trustOf(ctx: CheckContext, way: WayVerdict): Promise<ClientTrust> {
  const { source } = way;
  const label =
    source.kind === 'os'
      ? 'OS store'
      : `${source.variable ?? source.kind}${source.path ? ` (${source.path})` : ''}`;
  if (source.kind === 'os') return { label, pem: (await osStorePem(ctx.host)).pem, broken: null };
  if (!source.path) return { label, pem: '', broken: { source: label, reason: 'no CA file' } };
  if (source.kind === 'dir') {
    const names = (await ctx.host.listDir(source.path)).slice(0, MAX_CA_DIR_FILES);
    const pems = await Promise.all(
      names.map(async (name) => {
        const read = await readCaFile(ctx.host, path.join(source.path!, name), label);
        return read.ok ? read.pem : '';
      }),
    );
    return { label, pem: pems.join(''), broken: null };
  }
  const read = await readCaFile(ctx.host, source.path, label);
  return read.ok ? { label, pem: read.pem, broken: null } : { label, pem: '', broken: read.broken };
}

function snippet(ctx: CheckContext, family: 'openai' | 'anthropic'): string {
  return family === 'openai'
    ? `to point the openai SDK at Eliza: export OPENAI_BASE_URL=${elizaBaseUrl(ctx, 'openai')} OPENAI_API_KEY=<your Eliza token>`
    : `to point the anthropic SDK at Eliza: export ANTHROPIC_BASE_URL=${elizaBaseUrl(ctx, 'anthropic')} ANTHROPIC_AUTH_TOKEN=<your Eliza token>`;
}
