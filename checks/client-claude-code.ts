import {
  CLAUDE_DEFAULT_MODEL,
  type ClaudeCodeFacts,
  type ClaudeConfig,
  claudeBaseUrl,
  claudeCertStores,
  claudeCredentials,
  claudeSettingsFiles,
  overridingSource,
  readClaudeConfig,
} from '../src/clients/claude-code.ts';
import type { ClientFacts, ClientTrust, Credential, Setting } from '../src/clients/types.ts';
import type { Code } from '../src/codes.ts';
import { displayable } from '../src/display.ts';
import { manualFix, usable } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix, type Outcome } from '../src/engine/types.ts';
import type { Host } from '../src/host.ts';
import { quickFingerprints } from '../src/pki/cert.ts';
import { selfCommand } from '../src/self.ts';
import { closest } from '../src/similar.ts';
import { anthropicMessages } from '../src/stream/anthropic-messages.ts';
import { rootOf } from '../src/trust/node.ts';
import {
  CLIENT_SCHEDULE,
  clientConfigInvalid,
  clientNotEliza,
  clientNotFound,
  judgeClient,
  nodeBundledPem,
  osStorePem,
  pointsAtEliza,
  readCaFile,
} from './shared/client.ts';

export const CLAUDE_CODE = 'Claude Code';

export const clientClaudeCodeCheck = defineCheck({
  id: 'client-claude-code',
  title: 'Claude Code',
  ...CLIENT_SCHEDULE,
  reads: [...CLIENT_SCHEDULE.reads, 'tls'],
  async run(ctx) {
    const config = await readClaudeConfig(ctx.host);
    // Keys first: nothing below may print one before it is known to be a secret. A custom header's
    // value is a secret whole and without its scheme ("OAuth <token>": the token alone too).
    const { credentials, headers } = claudeCredentials(config);
    for (const value of [...credentials.map((c) => c.value), ...Object.values(headers)]) {
      if (!value) continue;
      ctx.registerSecret(value);
      const bare = value.replace(/^\S+\s+/, '');
      if (bare && bare !== value) ctx.registerSecret(bare);
    }

    const configured = Object.keys(config.values).some((name) => name.startsWith('ANTHROPIC_'));
    const overriding: ClaudeCodeFacts['overriding'] = {};
    for (const name of ['ANTHROPIC_BASE_URL', 'NODE_EXTRA_CA_CERTS'] as const) {
      const source = overridingSource(ctx.host, config.values[name]);
      if (source) overriding[name] = source;
    }
    const wrong: ClaudeCodeFacts['wrong'] = { baseUrl: false, ca: null };
    const facts = (outcome: Outcome<ClientFacts>): Outcome<ClaudeCodeFacts> => ({
      ...outcome,
      data: { ...outcome.data, installed: config.installed, files: config.files, wrong, overriding },
    });
    if (!config.installed && !configured && config.files.length === 0)
      return facts(clientNotFound(CLAUDE_CODE));
    const found = config.installed ?? config.files[0] ?? 'configured in the environment';
    const baseUrl = config.values.ANTHROPIC_BASE_URL ?? null;
    // Claude Code skips a settings file it cannot parse and runs on the rest: judged the same way.
    const ignored = config.invalid;
    const ignoredNote = ignored
      ? [
          `Claude Code ignores ${ignored.source.replace(/:\d+$/, '')} whole: ${ignored.source} is ${ignored.reason}`,
        ]
      : [];
    if (ignored && (!baseUrl || !pointsAtEliza(ctx, baseUrl.value))) {
      return facts(
        clientConfigInvalid(
          CLAUDE_CODE,
          ignored.source,
          `${ignored.reason}; Claude Code ignores the whole file`,
        ),
      );
    }
    if (!baseUrl || !pointsAtEliza(ctx, baseUrl.value)) {
      const onboarding = clientNotEliza(CLAUDE_CODE, found, notElizaSnippet(ctx), baseUrl);
      return facts({
        ...onboarding,
        details: [
          baseUrl
            ? `ANTHROPIC_BASE_URL is ${baseUrl.value} (${baseUrl.source})`
            : 'ANTHROPIC_BASE_URL is not set: Claude Code talks to api.anthropic.com',
        ],
      });
    }

    const trust = await claudeTrust(ctx.host, config);
    const model: Setting = config.model ?? {
      value: CLAUDE_DEFAULT_MODEL,
      source: 'Claude Code 2.1 default (no ANTHROPIC_MODEL or "model" set)',
    };
    const outcome = await judgeClient(
      ctx,
      {
        client: CLAUDE_CODE,
        baseUrl,
        api: anthropicMessages,
        family: 'anthropic',
        credentials,
        headers,
        model,
        trust: trust.trust,
      },
      {
        fixes: { ...fixesFor(ctx, overriding), ...(await keyAndModelFixes(ctx, credentials, config.model)) },
      },
    );
    const root = await gatewayRoot(ctx);
    wrong.baseUrl = BASE_URL_CODES.includes(outcome.code as Code);
    wrong.ca =
      outcome.code === 'CLIENT_UNTRUSTED'
        ? true
        : root
          ? !quickFingerprints(trust.trust.pem).includes(root)
          : null;
    // judgeClient names every source once the handshake verified: narrowed to the one holding the root.
    if (outcome.data.trustedVia) {
      const anchor = root ? trust.sources.find((s) => quickFingerprints(s.pem).includes(root)) : undefined;
      if (anchor) outcome.data.trustedVia = anchor.label;
    }
    const details = [
      ...ignoredNote,
      ...outcome.details,
      ...resolved(config, baseUrl, model, credentials, trust.trust.label),
      ...trust.notes,
    ];
    if (ignored && outcome.status === 'pass') {
      return facts({
        ...outcome,
        status: 'warn',
        code: 'CLIENT_CONFIG_IGNORED',
        summary: `Claude Code works, but ignores ${ignored.source} (${ignored.reason}): nothing in it counts`,
        details: [outcome.summary, ...details],
        fix: manualFix(
          `repair ${ignored.source} (strict JSON: no comments, no trailing commas), or remove it`,
        ),
      });
    }
    return facts({ ...outcome, details });
  },
});

interface TrustSource {
  label: string;
  pem: string;
}

/**
 * What Claude Code trusts, as measured with the real client: its bundled roots and the OS store
 * (unless CLAUDE_CODE_CERT_STORE leaves one out), plus NODE_EXTRA_CA_CERTS whatever the store
 * setting. A file it cannot load it skips with a warning and carries on, so it is a note, not a
 * broken trust.
 */
async function claudeTrust(
  host: Host,
  config: ClaudeConfig,
): Promise<{ trust: ClientTrust; sources: TrustSource[]; notes: string[] }> {
  const stores = claudeCertStores(config.values.CLAUDE_CODE_CERT_STORE?.value);
  const sources: TrustSource[] = [];
  const notes: string[] = [];
  const extra = config.values.NODE_EXTRA_CA_CERTS;
  if (extra) {
    const read = await readCaFile(host, extra.value, `NODE_EXTRA_CA_CERTS (${extra.source})`);
    if (read.ok) sources.push({ label: `NODE_EXTRA_CA_CERTS (${extra.source})`, pem: read.pem });
    else notes.push(`Claude Code skips ${read.broken.source} with a warning: ${read.broken.reason}`);
  }
  if (stores.system) {
    const file = config.values.SSL_CERT_FILE;
    if (file) {
      const read = await readCaFile(host, file.value, `SSL_CERT_FILE (${file.source})`);
      if (read.ok)
        sources.push({ label: `the OS store as SSL_CERT_FILE names it (${file.source})`, pem: read.pem });
      else notes.push(`the OS store: ${read.broken.source} cannot be used: ${read.broken.reason}`);
    } else {
      const os = await osStorePem(host);
      if (os.path) sources.push({ label: `the OS store (${os.path})`, pem: os.pem });
    }
  }
  if (stores.bundled) sources.push({ label: 'its bundled roots', pem: nodeBundledPem() });
  const store = config.values.CLAUDE_CODE_CERT_STORE;
  if (store) notes.push(`CLAUDE_CODE_CERT_STORE=${store.value} (${store.source})`);
  const label = sources.length ? sources.map((s) => s.label).join(' + ') : 'no CA at all';
  return {
    trust: { label, pem: sources.map((s) => s.pem).join('\n'), broken: null },
    sources,
    notes,
  };
}

/** What Claude Code will use and where each value came from; keys by their header, never their value. */
function resolved(
  config: ClaudeConfig,
  baseUrl: Setting,
  model: Setting,
  credentials: Credential[],
  trust: string,
): string[] {
  const header = (c: Credential) =>
    c.header === 'bearer' ? 'Authorization: Bearer' : c.header === 'x-api-key' ? 'x-api-key' : c.name;
  return [
    `base URL ${displayable(baseUrl.value)} (${baseUrl.source})`,
    `model ${displayable(model.value)} (${model.source})`,
    credentials.length
      ? `keys: ${credentials.map((c) => `${header(c)} from ${c.source}`).join('; ')}`
      : 'keys: none',
    `trusts ${trust}`,
    `settings read: ${config.files.join(', ') || 'none'}`,
  ];
}

const BASE_URL_CODES: Code[] = ['CLIENT_BASE_URL_HTTP', 'CLIENT_BASE_URL_NOT_RAW', 'CLIENT_WRONG_ROUTE'];

/** The SHA-256 of the root the gateway's chain leads to, as the tls check built it. */
async function gatewayRoot(ctx: CheckContext): Promise<string | null> {
  const tls = await ctx.result('tls');
  return usable(tls) ? (rootOf(tls.data.path)?.sha256 ?? null) : null;
}

/** The file `fix` edits: the user's settings, whose `env` block beats the environment. */
export function claudeUserSettings(host: Pick<Host, 'env' | 'home' | 'cwd'>) {
  return claudeSettingsFiles(host)[0]!;
}

/**
 * `fix` can cure a base URL or a missing CA by the user's settings file, unless a project's
 * settings file sets the same variable: that one wins, and only the user may change it.
 */
function fixesFor(ctx: CheckContext, overriding: ClaudeCodeFacts['overriding']): Partial<Record<Code, Fix>> {
  const user = claudeUserSettings(ctx.host);
  const fixFor = (name: keyof ClaudeCodeFacts['overriding'], what: string): Fix => {
    const winner = overriding[name];
    if (winner) return manualFix(`set ${name} at ${winner} (it wins over ${user.shown}) to ${what}`);
    return {
      summary: `set ${name} in the "env" block of ${user.shown} to ${what}`,
      commands: [selfCommand(ctx.config.invocation, ['fix'])],
      automated: true,
    };
  };
  const baseFix = fixFor('ANTHROPIC_BASE_URL', claudeBaseUrl(ctx.config));
  return {
    CLIENT_BASE_URL_HTTP: baseFix,
    CLIENT_BASE_URL_NOT_RAW: baseFix,
    CLIENT_WRONG_ROUTE: baseFix,
    CLIENT_UNTRUSTED: fixFor('NODE_EXTRA_CA_CERTS', 'the internal CA file `eliza-doctor fix` installs'),
  };
}

/** The next step for a key or a model, in Claude Code's own variables. */
async function keyAndModelFixes(
  ctx: CheckContext,
  credentials: Credential[],
  model: Setting | null,
): Promise<Partial<Record<Code, Fix>>> {
  const user = claudeUserSettings(ctx.host);
  const fixes: Partial<Record<Code, Fix>> = {
    CLIENT_KEY_MISSING: manualFix(
      "give Claude Code your Eliza token, sent as Authorization: Bearer, in your shell's startup file",
      ['export ANTHROPIC_AUTH_TOKEN=<your Eliza token>'],
    ),
  };
  const apiKey = credentials.find((c) => c.header === 'x-api-key');
  if (apiKey && !credentials.some((c) => c.header !== 'x-api-key')) {
    fixes.CLIENT_KEY_REJECTED = manualFix(
      `if the token is right, Eliza does not take it as x-api-key: move it from ${apiKey.source} to ANTHROPIC_AUTH_TOKEN (sent as Authorization: Bearer)`,
      ['export ANTHROPIC_AUTH_TOKEN=<your Eliza token>', 'unset ANTHROPIC_API_KEY'],
    );
  }
  const models = await ctx.result('models');
  // The list is known even when the doctor's own --model is not on it.
  const ids = models.data?.ids ?? [];
  const listed = ids.filter((id) => id.startsWith('claude'));
  const suggestion = closest(model?.value ?? CLAUDE_DEFAULT_MODEL, listed.length ? listed : ids)[0];
  const example = suggestion ? `, e.g. ${suggestion}` : '';
  fixes.CLIENT_MODEL_UNKNOWN = model
    ? manualFix(`set the model at ${model.source} to one Eliza lists${example}`)
    : manualFix(
        `Claude Code asks for ${CLAUDE_DEFAULT_MODEL} when no model is set: add "ANTHROPIC_MODEL" with a model Eliza lists${example} to the "env" block of ${user.shown}`,
      );
  return fixes;
}

function notElizaSnippet(ctx: CheckContext): { summary: string; commands: string[] } {
  const user = claudeUserSettings(ctx.host);
  return {
    summary: `to use Eliza from Claude Code, add the "env" block that \`eliza-doctor setup claude-code\` prints to ${user.shown}`,
    commands: [setupCommand(ctx.config.invocation)],
  };
}

/** `eliza-doctor setup claude-code`, with the run's --base-url: the only target flag setup takes. */
export function setupCommand(invocation: CheckContext['config']['invocation']): string {
  const at = invocation.args.indexOf('--base-url');
  const baseUrl = at >= 0 && at % 2 === 0 ? ['--base-url', invocation.args[at + 1]!] : [];
  return selfCommand(invocation, ['setup', 'claude-code', ...baseUrl], false);
}
