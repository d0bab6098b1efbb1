import path from 'node:path';
import { type ContinueModel, continueSnippet, parseContinueConfig } from '../src/clients/continue.ts';
import type { ClientFacts, ClientTarget, ClientTrust, Credential, Setting } from '../src/clients/types.ts';
import {
  type ClineProvider,
  clineProvidersFile,
  parseClineProviders,
  parseVscodeSettings,
  type VscodeSettings,
  vscodeUserDirs,
} from '../src/clients/vscode.ts';
import type { Code } from '../src/codes.ts';
import { displayable } from '../src/display.ts';
import { manualFix, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix, type Outcome } from '../src/engine/types.ts';
import type { ClientJudgement, VscodeFacts } from '../src/facts.ts';
import { anthropicMessages } from '../src/stream/anthropic-messages.ts';
import { openAiChat } from '../src/stream/openai-chat.ts';
import { openAiResponses } from '../src/stream/openai-responses.ts';
import { installedBundlePath } from '../src/trust/locations.ts';
import {
  CLIENT_SCHEDULE,
  clientConfigInvalid,
  clientNotEliza,
  clientNotFound,
  elizaBaseUrl,
  judgeClient,
  nodeBundledPem,
  osStorePem,
  pointsAtEliza,
  readCaFile,
} from './shared/client.ts';

const MAX_CONFIG_BYTES = 1024 * 1024;
const EXECUTABLES = ['code', 'code-insiders', 'codium'];
const RANK = { fail: 3, warn: 2, pass: 1, skip: 0 } as const;
/** What Continue's fix in `fix` cures: a base URL, its trust, verification switched off. */
const CONTINUE_FIXABLE: readonly (Code | null)[] = [
  'CLIENT_UNTRUSTED',
  'CLIENT_BASE_URL_HTTP',
  'CLIENT_BASE_URL_NOT_RAW',
  'CLIENT_WRONG_ROUTE',
  'INSECURE_CONTINUE_VERIFY_SSL',
];

export const clientVscodeCheck = defineCheck({
  id: 'client-vscode',
  title: 'VS Code: Continue, Cline, Roo Code',
  ...CLIENT_SCHEDULE,
  async run(ctx) {
    const { host } = ctx;
    const exists = (p: string) =>
      host.stat(p).then(
        () => true,
        () => false,
      );
    const read = async (p: string) => {
      try {
        return (await host.readFile(p, MAX_CONFIG_BYTES)).toString('utf8');
      } catch {
        return null;
      }
    };
    const onPath = (await Promise.all(EXECUTABLES.map((name) => host.findExecutable(name)))).find(Boolean);
    const userDirs = (
      await Promise.all(vscodeUserDirs(host).map(async (dir) => ((await exists(dir)) ? dir : null)))
    ).filter((d): d is string => d !== null);
    const continueDir = path.join(host.home, '.continue');
    const continueFile = path.join(continueDir, 'config.yaml');
    const clineFile = clineProvidersFile(host);
    const [continueFound, clineFound] = await Promise.all([
      exists(continueDir).then((found) => found || exists(continueFile)),
      exists(path.join(host.home, '.cline')).then((found) => found || exists(clineFile)),
    ]);
    if (!onPath && userDirs.length === 0 && !continueFound && !clineFound)
      return alone(clientNotFound('VS Code'));
    const found = [
      onPath ? `${path.basename(onPath)} on PATH` : null,
      userDirs[0] ? displayable(userDirs[0]) : null,
      continueFound ? '~/.continue' : null,
      clineFound ? '~/.cline' : null,
    ]
      .filter(Boolean)
      .join(', ');

    // VS Code's own settings: the first edition that has a settings file decides the extension host.
    let settings: (VscodeSettings & { file: string }) | null = null;
    for (const dir of userDirs) {
      const file = path.join(dir, 'settings.json');
      const text = await read(file);
      if (text === null) continue;
      const parsed = parseVscodeSettings(text, file);
      if (!parsed.ok) return alone(clientConfigInvalid('VS Code', `${file}:${parsed.line}`, parsed.reason));
      settings ??= { ...parsed.value, file };
    }
    const continueText = await read(continueFile);
    const continueParsed = continueText === null ? null : parseContinueConfig(continueText, continueFile);
    if (continueParsed && !continueParsed.ok)
      return alone(
        clientConfigInvalid('Continue', `${continueFile}:${continueParsed.line}`, continueParsed.reason),
      );
    const clineText = await read(clineFile);
    const clineParsed = clineText === null ? null : parseClineProviders(clineText, clineFile);
    if (clineParsed && !clineParsed.ok)
      return alone(clientConfigInvalid('Cline', `${clineFile}:${clineParsed.line}`, clineParsed.reason));

    const models = continueParsed?.ok ? continueParsed.models : [];
    const providers = clineParsed?.ok ? clineParsed.value : [];
    for (const m of models) if (m.apiKey) ctx.registerSecret(m.apiKey.value);
    for (const p of providers) if (p.key) ctx.registerSecret(p.key.value);

    const notes: string[] = [
      "Roo Code keeps its provider profiles in VS Code's secret storage, which no other program can read: not checked",
    ];
    const strictOff = settings?.strictSslOff ?? null;
    const atEliza = (url: string | undefined) => url !== undefined && pointsAtEliza(ctx, url);
    const continueTargets = models.filter((m) => atEliza(m.apiBase?.value));
    const clineTargets = providers.filter((p) => atEliza(p.baseUrl?.value));
    if (continueTargets.length === 0 && clineTargets.length === 0) {
      const snippet = continueSnippet({
        apiBase: elizaBaseUrl(ctx, 'openai'),
        caPath: installedBundlePath(host),
        model: ctx.config.model,
      });
      const outcome = clientNotEliza(
        'VS Code',
        found,
        {
          summary: `add a model to ${displayable(continueFile)} (eliza-doctor setup continue prints it), then run eliza-doctor fix to install the CA it names`,
          commands: ['eliza-doctor setup continue'],
        },
        models[0]?.apiBase ?? providers.find((p) => p.current)?.baseUrl ?? null,
      );
      const data: VscodeFacts = { ...outcome.data, clients: [], continueFix: null };
      const details = [...snippet.trimEnd().split('\n'), ...notes];
      // Verification off for every extension is worth saying whether or not one is at Eliza yet.
      if (strictOff) return strictSslWarning(strictOff, [outcome.summary, ...details], data);
      return { ...outcome, details, data };
    }

    const hostTrust = await extensionHostTrust(ctx, settings);
    const judged: ClientJudgement[] = [];
    const outcomes: Outcome<ClientFacts>[] = [];
    const continueFix: NonNullable<VscodeFacts['continueFix']> = { file: continueFile, models: [] };
    for (const model of continueTargets) {
      const target = await continueTarget(ctx, model);
      let outcome = await judgeClient(ctx, target.target, {
        fixes: Object.fromEntries(CONTINUE_FIXABLE.map((c) => [c, fixByDoctor('Continue')])),
      });
      outcome = withDetails(outcome, target.notes);
      if (model.verifyOff) outcome = verificationOff(outcome, model);
      if (outcome.fix?.automated) {
        const apiBaseWrong = [
          'CLIENT_BASE_URL_HTTP',
          'CLIENT_BASE_URL_NOT_RAW',
          'CLIENT_WRONG_ROUTE',
        ].includes(outcome.code ?? '');
        const right = elizaBaseUrl(ctx, target.target.family);
        const rewrite = apiBaseWrong && model.apiBase?.value.replace(/\/+$/, '') !== right;
        continueFix.models.push({
          index: model.index,
          ca: outcome.code === 'CLIENT_UNTRUSTED' || apiBaseWrong || model.verifyOff !== null,
          apiBase: rewrite ? right : null,
          verifyOn: model.verifyOff !== null,
        });
      }
      outcomes.push(outcome);
      judged.push(judgement(`Continue model ${displayable(model.name)}`, outcome));
    }
    for (const provider of clineTargets) {
      const target = clineTarget(ctx, provider, hostTrust);
      let outcome = await judgeClient(ctx, target.target, {
        fixes: { CLIENT_UNTRUSTED: osStoreFix(settings) },
      });
      outcome = withDetails(outcome, target.notes);
      outcomes.push(outcome);
      judged.push(judgement(`Cline provider ${displayable(provider.id)}`, outcome));
    }

    // The worst verdict speaks for the family; every client keeps its line.
    const worst = outcomes.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
    const details = [
      ...judged.map((j) => `${j.status}${j.code ? ` ${j.code}` : ''}: ${j.summary}`),
      ...notes,
    ];
    const data: VscodeFacts = {
      ...worst.data,
      clients: judged,
      continueFix: continueFix.models.length ? continueFix : null,
    };
    const fix = combinedFix(outcomes, data.continueFix !== null);
    if (strictOff) {
      if (worst.status === 'pass') return strictSslWarning(strictOff, details, data);
      details.push(strictSslText(strictOff));
    }
    return { ...worst, details: [...worst.details, ...details], fix, data };
  },
});

function strictSslText(off: Setting): string {
  return `http.proxyStrictSSL is false (${off.source}): VS Code extensions accept any certificate through a proxy`;
}

function strictSslWarning(off: Setting, details: string[], data: VscodeFacts): Outcome<VscodeFacts> {
  return warn('INSECURE_VSCODE_STRICT_SSL', strictSslText(off), {
    details,
    data,
    fix: manualFix(
      `remove "http.proxyStrictSSL": false from ${off.source}; to trust the internal CA, use eliza-doctor fix --system instead`,
    ),
  });
}

/** One fix for the family: fix's own edits (Continue) when there are any, and each manual step. */
function combinedFix(outcomes: Outcome<ClientFacts>[], automated: boolean): Fix | null {
  const fixes = outcomes
    .filter((o) => o.status === 'fail' || o.status === 'warn')
    .flatMap((o) => (o.fix ? [o.fix] : []));
  if (fixes.length === 0) return null;
  return {
    summary: [...new Set(fixes.map((f) => f.summary))].join('; '),
    commands: [...new Set(fixes.flatMap((f) => f.commands))],
    automated,
  };
}

/** A verdict on the family as a whole (not found, a file unreadable): no client judged. */
function alone(o: Outcome<ClientFacts>): Outcome<VscodeFacts> {
  return { ...o, data: { ...o.data, clients: [], continueFix: null } };
}

function judgement(client: string, o: Outcome<ClientFacts>): ClientJudgement {
  return { client, status: o.status, code: o.code, summary: o.summary };
}

function withDetails(o: Outcome<ClientFacts>, notes: string[]): Outcome<ClientFacts> {
  return notes.length ? { ...o, details: [...o.details, ...notes] } : o;
}

function fixByDoctor(client: string): Fix {
  return {
    summary: `eliza-doctor fix writes ${client}'s caBundlePath (the installed internal CA) and the Eliza base URL`,
    commands: ['eliza-doctor fix'],
    automated: true,
  };
}

/** Extensions running in VS Code's extension host trust the OS store through VS Code: that route. */
function osStoreFix(settings: (VscodeSettings & { file: string }) | null): Fix {
  const systemOff = settings?.systemCertificates?.value === false ? settings.systemCertificates : null;
  return manualFix(
    `add the internal CA to the OS store, which VS Code hands to its extensions${systemOff ? `, and remove "http.systemCertificates": false (${systemOff.source})` : ''}; then restart VS Code`,
    ['sudo eliza-doctor fix --system'],
  );
}

/**
 * `verifySsl: false`: Continue reaches the gateway whatever its certificate. It works today, so
 * a warning; an untrusted gateway behind it is the reason fix sets caBundlePath before turning
 * verification back on.
 */
function verificationOff(o: Outcome<ClientFacts>, model: ContinueModel): Outcome<ClientFacts> {
  const off = model.verifyOff!;
  if (o.status === 'fail' && o.code !== 'CLIENT_UNTRUSTED') return o;
  const hidden = o.code === 'CLIENT_UNTRUSTED';
  return {
    ...o,
    status: 'warn',
    code: 'INSECURE_CONTINUE_VERIFY_SSL',
    summary: `Continue model ${displayable(model.name)}: verifySsl is false (${off.source}), so it accepts any certificate${hidden ? `; with verification on it would fail: ${o.summary}` : ''}`,
    details: [...(hidden ? [] : [o.summary]), ...o.details],
    fix: fixByDoctor('Continue'),
  };
}

/**
 * The extension host's trust (Cline, Roo Code): VS Code adds the OS store to Node's bundled roots
 * unless `http.systemCertificates` is false. With the OS certificates added, NODE_EXTRA_CA_CERTS
 * is not counted: VS Code's patches hand fetch an explicit `ca` of tls.rootCertificates plus the OS
 * certificates, and add them to a fresh TLS context that lacks it (@vscode/proxy-agent
 * createFetchPatch, patchTlsConnect; measured, docs/clients-ground-truth.md).
 */
async function extensionHostTrust(
  ctx: CheckContext,
  settings: (VscodeSettings & { file: string }) | null,
): Promise<ClientTrust> {
  const bundled = nodeBundledPem();
  if (settings?.systemCertificates?.value !== false) {
    const store = await osStorePem(ctx.host);
    return {
      label: `Node's bundled roots + the OS store (${store.path ?? 'none found'}) through VS Code's http.systemCertificates`,
      pem: `${bundled}\n${store.pem}`,
      broken: null,
    };
  }
  const extra = await nodeExtraCa(ctx);
  return {
    label: `Node's bundled roots${extra ? ` + ${extra.label}` : ''} (http.systemCertificates is false, ${settings.systemCertificates.source})`,
    pem: `${bundled}\n${extra?.pem ?? ''}`,
    broken: null,
  };
}

/** NODE_EXTRA_CA_CERTS as this shell has it; Node (and Continue) skip a file they cannot read. */
async function nodeExtraCa(ctx: CheckContext): Promise<{ label: string; pem: string } | null> {
  const file = ctx.host.env.NODE_EXTRA_CA_CERTS?.trim();
  if (!file) return null;
  const ca = await readCaFile(ctx.host, file, 'NODE_EXTRA_CA_CERTS');
  return ca.ok
    ? { label: `NODE_EXTRA_CA_CERTS (${displayable(file)}, as this shell has it)`, pem: ca.pem }
    : null;
}

/**
 * Continue's trust (packages/fetch/src/certs.ts): it hands its agent an explicit `ca` made of
 * Node's bundled roots, NODE_EXTRA_CA_CERTS and each caBundlePath, so the OS certificates VS Code
 * injects never reach it; a path it cannot read is skipped without a word.
 */
async function continueTarget(
  ctx: CheckContext,
  model: ContinueModel,
): Promise<{ target: ClientTarget; notes: string[] }> {
  const notes: string[] = [];
  const parts = [nodeBundledPem()];
  const labels = ["Node's bundled roots"];
  const extra = await nodeExtraCa(ctx);
  if (extra) {
    parts.push(extra.pem);
    labels.push(extra.label);
  }
  for (const ca of model.caBundlePaths) {
    // Read as Continue reads it: fs.readFileSync of the string, no ~ expanded.
    const read = await readCaFile(ctx.host, ca.value, `caBundlePath (${ca.source})`);
    if (read.ok) {
      parts.push(read.pem);
      labels.push(`caBundlePath ${displayable(ca.value)} (${ca.source})`);
    } else {
      const tilde = ca.value.startsWith('~') ? '; Continue does not expand ~, give the full path' : '';
      notes.push(`${read.broken.reason}: Continue skips it without a word (${ca.source})${tilde}`);
    }
  }
  const anthropic = model.provider === 'anthropic';
  const credentials: Credential[] = [];
  const headers: Record<string, string> = {};
  const key = model.apiKey;
  const templated = key !== null && /\$\{\{/.test(key.value);
  if (templated) {
    notes.push(
      `the apiKey (${key.source}) is kept in Continue's secrets, not checked: the doctor's own token stands in for it`,
    );
  }
  const keyValue = templated ? (ctx.config.token?.reveal() ?? '') : (key?.value ?? '');
  const keySource = templated
    ? `the doctor's token (for ${key.source})`
    : (key?.source ?? `apiKey of ${model.source}`);
  const custom = Object.entries(model.headers);
  const customAuth = custom.find(
    ([name]) => name.toLowerCase() === (anthropic ? 'x-api-key' : 'authorization'),
  );
  if (customAuth) {
    credentials.push({
      header: 'header',
      name: customAuth[0],
      value: customAuth[1],
      source: `requestOptions.headers of ${model.source}`,
    });
  } else {
    credentials.push({ header: anthropic ? 'x-api-key' : 'bearer', value: keyValue, source: keySource });
  }
  // Continue's OpenAI provider also sends the key as `api-key` (for Azure): core/llm/llms/OpenAI.ts.
  if (!anthropic && keyValue) headers['api-key'] = keyValue;
  for (const [name, value] of custom) if (name !== customAuth?.[0]) headers[name] = value;
  return {
    target: {
      client: 'Continue',
      baseUrl: model.apiBase!,
      api: anthropic ? anthropicMessages : openAiChat,
      family: anthropic ? 'anthropic' : 'openai',
      credentials,
      headers,
      model: model.model,
      trust: { label: labels.join(' + '), pem: parts.join('\n'), broken: null },
    },
    notes,
  };
}

function clineTarget(
  ctx: CheckContext,
  provider: ClineProvider,
  trust: ClientTrust,
): { target: ClientTarget; notes: string[] } {
  const notes: string[] = [];
  const anthropic = provider.provider === 'anthropic' || provider.protocol === 'anthropic';
  let credential: Credential;
  if (provider.key) {
    credential = {
      header: anthropic ? 'x-api-key' : 'bearer',
      value: provider.key.value,
      source: provider.key.source,
    };
  } else {
    // Cline 3.x kept keys in VS Code's secret storage: absent here is not absent there.
    notes.push(
      `Cline's key for ${displayable(provider.id)} is not in ${provider.baseUrl!.source.replace(/:\d+$/, '')}: kept in VS Code's secret storage, not checked; the doctor's own token stands in for it`,
    );
    credential = {
      header: anthropic ? 'x-api-key' : 'bearer',
      value: ctx.config.token?.reveal() ?? '',
      source: "the doctor's token (Cline's key is in VS Code's secret storage)",
    };
  }
  return {
    target: {
      client: 'Cline',
      baseUrl: provider.baseUrl!,
      api: anthropic
        ? anthropicMessages
        : provider.protocol === 'openai-responses'
          ? openAiResponses
          : openAiChat,
      family: anthropic ? 'anthropic' : 'openai',
      credentials: [credential],
      headers: provider.headers,
      model: provider.model,
      trust,
    },
    notes,
  };
}
