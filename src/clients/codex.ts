/**
 * OpenAI Codex CLI, as its `config.toml` and environment have it: which provider it will use, the
 * URL it posts to, the variable its key comes from, its wire API and model, each with the file and
 * line that set it; and the edit that points it at Eliza, made with a TOML library so that the
 * user's comments and layout stay. Pure: the caller reads the files (through the Host port).
 *
 * Measured against codex-cli 0.171 (docs/clients-ground-truth.md): `POST {base_url}/responses`
 * with `Authorization: Bearer $<env_key>`; `wire_api = "chat"`, a provider without `name`, an
 * unknown `model_provider` and the legacy top-level `profile` make Codex refuse to start; the
 * built-in `openai` provider takes its URL from `openai_base_url` (not from OPENAI_BASE_URL any
 * more) and its key from CODEX_API_KEY or `codex login` (auth.json), never from OPENAI_API_KEY.
 */
import path from 'node:path';
import { patch, stringify, TomlDocument } from '@decimalturn/toml-patch';
import { DEFAULT_MODEL, type DoctorConfig, TOKEN_VARIABLES } from '../config.ts';
import type { ClientFixer, ClientFixPlan } from './fixes.ts';
import { ELIZA_ROUTES } from './routes.ts';
import type { SetupSnippet } from './setup.ts';

export const CODEX_CLIENT = 'Codex CLI';
/** The provider id the doctor writes. */
export const ELIZA_PROVIDER = 'eliza';
/** Codex's own providers; a `[model_providers.<id>]` of the same id does not replace them. */
export const BUILT_IN_PROVIDERS = ['openai', 'oss', 'ollama', 'lmstudio'] as const;
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** What `codex exec` reads for the built-in openai provider's key before auth.json. */
export const CODEX_API_KEY_VARIABLE = 'CODEX_API_KEY';

export interface CodexHome {
  dir: string;
  /** As shown: "$CODEX_HOME" or "~/.codex". */
  shown: string;
  configFile: string;
  authFile: string;
}

export function codexHome(env: Readonly<Record<string, string | undefined>>, home: string): CodexHome {
  const fromEnv = env.CODEX_HOME?.trim();
  const dir = fromEnv || path.join(home, '.codex');
  return {
    dir,
    shown: fromEnv ? '$CODEX_HOME' : '~/.codex',
    configFile: path.join(dir, 'config.toml'),
    authFile: path.join(dir, 'auth.json'),
  };
}

/** A value with where it was set ("~/.codex/config.toml:7", "Codex's default"). */
export interface Sourced<T = string> {
  value: T;
  source: string;
}

export interface CodexSetup {
  /** The provider id in use, and where it was chosen. */
  provider: Sourced;
  builtIn: boolean;
  baseUrl: Sourced;
  /** The variable whose value goes out as `Authorization: Bearer`; null: none configured. */
  envKey: Sourced | null;
  wireApi: Sourced;
  model: Sourced | null;
  /** Static headers (`http_headers`). */
  httpHeaders: Record<string, string>;
  /** Header name -> the variable its value comes from (`env_http_headers`). */
  envHttpHeaders: Record<string, string>;
  queryParams: Record<string, string>;
}

export type CodexConfig =
  | { kind: 'absent' }
  | { kind: 'invalid'; source: string; reason: string }
  | { kind: 'ok'; text: string; setup: CodexSetup };

type Lines = Map<string, number>;
/** The parts of toml-patch's syntax tree that lines are read from (its node types are not exported). */
interface CstKey {
  value: string[];
  loc: { start: { line: number } };
}
interface CstKeyValue {
  type: 'KeyValue';
  key: CstKey;
  value: { type: string; items?: { item: CstKeyValue }[] };
}
type CstBlock =
  | CstKeyValue
  | {
      type: 'Table' | 'TableArray';
      key: { item: CstKey };
      loc: { start: { line: number } };
      items: CstBlock[];
    }
  | { type: 'Comment' };
const blocksOf = (doc: TomlDocument) => doc.cst as unknown as CstBlock[];
const keyOf = (parts: string[]) => parts.join('\u0000');

/**
 * Where each key is set, by its full dotted path; and what TOML forbids that the library lets
 * through (a key or a table defined twice), which Codex refuses.
 */
function lineMap(doc: TomlDocument): { lines: Lines; duplicate: { key: string; line: number } | null } {
  const lines: Lines = new Map();
  const tables = new Set<string>();
  let duplicate: { key: string; line: number } | null = null;
  const define = (parts: string[], line: number) => {
    const k = keyOf(parts);
    if (lines.has(k) && !duplicate) duplicate = { key: parts.join('.'), line };
    lines.set(k, line);
  };
  const walkKeyValue = (prefix: string[], kv: CstKeyValue) => {
    const parts = [...prefix, ...kv.key.value];
    define(parts, kv.key.loc.start.line);
    if (kv.value.type === 'InlineTable') {
      for (const item of kv.value.items ?? []) walkKeyValue(parts, item.item);
    }
  };
  for (const block of blocksOf(doc)) {
    if (block.type === 'KeyValue') walkKeyValue([], block);
    else if (block.type === 'Table' || block.type === 'TableArray') {
      const parts = block.key.item.value;
      const k = keyOf(parts);
      if (block.type === 'Table') {
        if (tables.has(k) && !duplicate)
          duplicate = { key: `[${parts.join('.')}]`, line: block.loc.start.line };
        tables.add(k);
        if (!lines.has(k)) lines.set(k, block.loc.start.line);
      }
      for (const item of block.items) if (item.type === 'KeyValue') walkKeyValue(parts, item);
    }
  }
  return { lines, duplicate };
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function stringTable(v: unknown): Record<string, string> {
  if (!isTable(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/**
 * Reads config.toml's text as Codex 0.171 would: the provider it picks and that provider's
 * settings, or why Codex would refuse the file. `shown` names the file in sources ("~/.codex/config.toml").
 */
export function parseCodexConfig(
  text: string,
  shown: string,
  env: Readonly<Record<string, string | undefined>>,
): Exclude<CodexConfig, { kind: 'absent' }> {
  let doc: TomlDocument;
  try {
    doc = new TomlDocument(text);
  } catch (error) {
    const e = error as { line?: number; message?: string };
    const reason = (e.message ?? String(error)).split('\n').pop()!.trim();
    return { kind: 'invalid', source: e.line ? `${shown}:${e.line}` : shown, reason };
  }
  const { lines, duplicate } = lineMap(doc);
  if (duplicate) {
    return {
      kind: 'invalid',
      source: `${shown}:${duplicate.line}`,
      reason: `${duplicate.key} is defined twice`,
    };
  }
  const at = (...parts: string[]) => {
    const line = lines.get(keyOf(parts));
    return line ? `${shown}:${line}` : shown;
  };
  const root = doc.toJsObject as Record<string, unknown>;
  const invalid = (reason: string, ...parts: string[]) =>
    ({ kind: 'invalid', source: at(...parts), reason }) as const;

  if (root.profile !== undefined) {
    return invalid(
      'the top-level `profile` key is no longer supported by Codex (it refuses to start); use `codex --profile NAME` with NAME.config.toml',
      'profile',
    );
  }
  const providerId = root.model_provider;
  if (providerId !== undefined && typeof providerId !== 'string') {
    return invalid('model_provider must be a string', 'model_provider');
  }
  const id = providerId ?? 'openai';
  const provider: Sourced = {
    value: id,
    source: providerId === undefined ? "Codex's default" : at('model_provider'),
  };
  const model: Sourced | null =
    typeof root.model === 'string' ? { value: root.model, source: at('model') } : null;
  if (root.model !== undefined && typeof root.model !== 'string')
    return invalid('model must be a string', 'model');

  if ((BUILT_IN_PROVIDERS as readonly string[]).includes(id)) {
    const builtIn = (baseUrl: Sourced, envKey: Sourced | null): Extract<CodexConfig, { kind: 'ok' }> => ({
      kind: 'ok',
      text,
      setup: {
        provider,
        builtIn: true,
        baseUrl,
        envKey,
        wireApi: { value: 'responses', source: "Codex's default" },
        model,
        httpHeaders: {},
        envHttpHeaders: {},
        queryParams: {},
      },
    });
    // The local providers (ollama, lmstudio): never Eliza.
    if (id !== 'openai')
      return builtIn({ value: `http://localhost (${id})`, source: "Codex's built-in provider" }, null);
    const configured = typeof root.openai_base_url === 'string' && root.openai_base_url.trim() !== '';
    return builtIn(
      configured
        ? { value: root.openai_base_url as string, source: at('openai_base_url') }
        : { value: OPENAI_DEFAULT_BASE_URL, source: "Codex's default" },
      env[CODEX_API_KEY_VARIABLE]
        ? { value: CODEX_API_KEY_VARIABLE, source: 'the built-in openai provider' }
        : null,
    );
  }

  const providers = isTable(root.model_providers) ? root.model_providers : {};
  const entry = providers[id];
  if (!isTable(entry)) {
    return invalid(
      `model_provider "${id}" names no [model_providers.${id}] table: Codex refuses to start`,
      'model_provider',
    );
  }
  const p = (key: string) => at('model_providers', id, key);
  if (typeof entry.name !== 'string' || entry.name.trim() === '') {
    return {
      kind: 'invalid',
      source: at('model_providers', id),
      reason: `[model_providers.${id}] has no name: Codex refuses to start ("provider name must not be empty")`,
    };
  }
  if (typeof entry.base_url !== 'string' || entry.base_url.trim() === '') {
    return {
      kind: 'invalid',
      source: at('model_providers', id),
      reason: `[model_providers.${id}] has no base_url`,
    };
  }
  for (const key of ['env_key', 'wire_api'] as const) {
    if (entry[key] !== undefined && typeof entry[key] !== 'string')
      return invalid(`${key} must be a string`, 'model_providers', id, key);
  }
  return {
    kind: 'ok',
    text,
    setup: {
      provider,
      builtIn: false,
      baseUrl: { value: entry.base_url, source: p('base_url') },
      envKey: typeof entry.env_key === 'string' ? { value: entry.env_key, source: p('env_key') } : null,
      wireApi:
        typeof entry.wire_api === 'string'
          ? { value: entry.wire_api, source: p('wire_api') }
          : { value: 'responses', source: "Codex's default" },
      model,
      httpHeaders: stringTable(entry.http_headers),
      envHttpHeaders: stringTable(entry.env_http_headers),
      queryParams: stringTable(entry.query_params),
    },
  };
}

/** The key of the built-in openai provider after `codex login --with-api-key`. */
export function authJsonKey(text: string): string | null {
  try {
    const value = JSON.parse(text) as { OPENAI_API_KEY?: unknown };
    return typeof value.OPENAI_API_KEY === 'string' && value.OPENAI_API_KEY !== ''
      ? value.OPENAI_API_KEY
      : null;
  } catch {
    return null;
  }
}

/** The URL Codex posts to: base_url + /responses, with query_params. */
export function codexRequestUrl(setup: CodexSetup): string {
  const url = `${setup.baseUrl.value.replace(/\/+$/, '')}/responses`;
  const query = new URLSearchParams(setup.queryParams).toString();
  return query ? `${url}?${query}` : url;
}

/** What the doctor wants config.toml to say; each field undefined leaves that setting alone. */
export interface CodexWanted {
  baseUrl?: string;
  envKey?: string;
  wireApi?: 'responses';
  model?: string;
}

/**
 * config.toml's new text: `model_provider = "eliza"` and its `[model_providers.eliza]` table,
 * or, when the provider in use is already a custom one, that provider's own table, changed only
 * where `wanted` says. Null when the text is not TOML the doctor can edit safely.
 */
export function editCodexConfig(
  before: string | null,
  env: Readonly<Record<string, string | undefined>>,
  wanted: CodexWanted,
): string | null {
  const text = before ?? '';
  let doc: TomlDocument;
  try {
    doc = new TomlDocument(text);
  } catch {
    return null;
  }
  if (lineMap(doc).duplicate) return null;
  const root = doc.toJsObject as Record<string, unknown>;
  const current = typeof root.model_provider === 'string' ? root.model_provider : 'openai';
  const providers = isTable(root.model_providers) ? root.model_providers : null;
  const reuse =
    !(BUILT_IN_PROVIDERS as readonly string[]).includes(current) && providers && isTable(providers[current]);
  const id = reuse ? current : ELIZA_PROVIDER;
  const existing = providers && isTable(providers[id]) ? providers[id] : null;

  const settings: Record<string, string> = {};
  if (!existing || typeof existing.name !== 'string' || existing.name.trim() === '') settings.name = 'Eliza';
  if (wanted.baseUrl !== undefined) settings.base_url = wanted.baseUrl;
  if (wanted.envKey !== undefined) settings.env_key = wanted.envKey;
  if (wanted.wireApi !== undefined) settings.wire_api = wanted.wireApi;

  const updated = structuredClone(root);
  if (wanted.model !== undefined) updated.model = wanted.model;
  if (root.model_provider !== id) updated.model_provider = id;
  let after: string;
  if (existing || !canAppendTable(doc)) {
    updated.model_providers = {
      ...(isTable(updated.model_providers) ? updated.model_providers : {}),
      [id]: { ...(existing ?? {}), ...settings },
    };
    after = patch(text, updated, { inlineTableStart: 3 });
  } else {
    // A new provider gets a [model_providers.eliza] section of its own at the end: clearer than
    // the dotted inline line (or the empty [model_providers] header) the patcher would write.
    after = patch(text, updated, { inlineTableStart: 3 });
    const nl = text.includes('\r\n') ? '\r\n' : '\n';
    const lines = [
      `[model_providers.${id}]`,
      ...stringify(settings)
        .split(/\r?\n/)
        .filter((l) => l !== ''),
    ];
    const sep = after === '' || after.endsWith(nl + nl) ? '' : after.endsWith(nl) ? nl : nl + nl;
    after = `${after}${sep}${lines.join(nl)}${nl}`;
  }
  // The proof: the new text reads back, as Codex reads it, as what was wanted.
  const check = parseCodexConfig(after, 'config.toml', env);
  if (check.kind !== 'ok') return null;
  const s = check.setup;
  if (s.provider.value !== id) return null;
  if (wanted.baseUrl !== undefined && s.baseUrl.value !== wanted.baseUrl) return null;
  if (wanted.envKey !== undefined && s.envKey?.value !== wanted.envKey) return null;
  if (wanted.wireApi !== undefined && s.wireApi.value !== wanted.wireApi) return null;
  if (wanted.model !== undefined && s.model?.value !== wanted.model) return null;
  return after;
}

/** A `[model_providers]` given inline (`model_providers = { ... }`) cannot take a new section. */
function canAppendTable(doc: TomlDocument): boolean {
  return !blocksOf(doc).some((b) => b.type === 'KeyValue' && b.key.value[0] === 'model_providers');
}

/** The lines `setup codex` prints and the CLIENT_NOT_ELIZA fix shows. */
export function codexSnippet(options: { baseUrl: string; envKey: string; model: string }): string {
  const settings = stringify({
    model: options.model,
    model_provider: ELIZA_PROVIDER,
  });
  const provider = stringify({
    name: 'Eliza',
    base_url: options.baseUrl,
    env_key: options.envKey,
    wire_api: 'responses',
  });
  return `${settings.trimEnd()}\n\n[model_providers.${ELIZA_PROVIDER}]\n${provider.trimEnd()}\n`;
}

/** A path as the user knows it: ~ for HOME. */
export function shownPath(file: string, home: string): string {
  return file.startsWith(`${home}/`) ? `~/${file.slice(home.length + 1)}` : file;
}

/** The variable to name in env_key: the one the doctor found the token in, else ELIZA_TOKEN. */
export function tokenVariable(config: Pick<DoctorConfig, 'tokenSource'>): string {
  const source = config.tokenSource;
  return source && (TOKEN_VARIABLES as readonly string[]).includes(source) ? source : 'ELIZA_TOKEN';
}

/**
 * What is wrong in the provider Codex uses, as the edit that cures it: each field only when that
 * setting is wrong (a built-in provider cannot take a key variable, so it gets a whole provider).
 */
export function codexFixWanted(
  setup: CodexSetup,
  options: {
    config: Pick<DoctorConfig, 'target' | 'tokenSource' | 'token' | 'model'>;
    env: Readonly<Record<string, string | undefined>>;
    /** The models Eliza lists; null when unknown. */
    models: string[] | null;
  },
): CodexWanted {
  const { config, env, models } = options;
  const right = `${config.target.baseUrl}${ELIZA_ROUTES.openai}`;
  const tokenVar = tokenVariable(config);
  const token = config.token?.reveal() ?? null;
  const tokenVarHolds = token !== null && env[tokenVar] !== undefined && env[tokenVar]?.trim() !== '';
  const wanted: CodexWanted = {};
  const modelOk = (m: string) => models === null || models.includes(m);
  if (setup.model === null || !modelOk(setup.model.value)) {
    if (modelOk(config.model)) wanted.model = config.model;
  }
  if (setup.builtIn) {
    return { ...wanted, baseUrl: right, envKey: tokenVar, wireApi: 'responses' };
  }
  if (!sameBase(setup.baseUrl.value, right)) wanted.baseUrl = right;
  if (setup.wireApi.value !== 'responses') wanted.wireApi = 'responses';
  const sendsAuthorization = [...Object.keys(setup.httpHeaders), ...Object.keys(setup.envHttpHeaders)].some(
    (h) => h.toLowerCase() === 'authorization',
  );
  const current = setup.envKey ? env[setup.envKey.value] : undefined;
  const keyWrong = !current || (token !== null && current.trim() !== token);
  if (!sendsAuthorization && keyWrong && tokenVarHolds && setup.envKey?.value !== tokenVar) {
    wanted.envKey = tokenVar;
  }
  return wanted;
}

function sameBase(configured: string, right: string): boolean {
  try {
    const a = new URL(configured.trim());
    const b = new URL(right);
    return a.protocol === b.protocol && a.host === b.host && a.pathname.replace(/\/+$/, '') === b.pathname;
  } catch {
    return false;
  }
}

/**
 * The client side of `fix` for Codex: config.toml pointed at Eliza where it is wrong, created
 * when absent, refused (never overwritten) when it is not TOML the doctor can read back.
 */
export const codexFixer: ClientFixer = async ({ host, results, config }) => {
  const home = codexHome(host.env, host.home);
  const shown = shownPath(home.configFile, host.home);
  const plan: ClientFixPlan = { edits: [], notes: [], manual: [], usesCaFile: false };
  let before: string | null = null;
  try {
    before = (await host.readFile(home.configFile, 1024 * 1024)).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      plan.notes.push(`${shown} cannot be read, so it was left alone`);
      return plan;
    }
  }
  const parsed = parseCodexConfig(before ?? '', shown, host.env);
  if (parsed.kind === 'invalid') {
    plan.notes.push(`${parsed.source}: ${parsed.reason}; left alone: repair it, then run fix again`);
    return plan;
  }
  const models = results.get('models');
  const ids =
    models && (models.status === 'pass' || models.status === 'warn')
      ? ((models.data as { ids?: string[] }).ids ?? null)
      : null;
  const wanted = codexFixWanted(parsed.setup, { config, env: host.env, models: ids });
  if (Object.keys(wanted).length === 0) return plan;
  const after = editCodexConfig(before, host.env, wanted);
  if (after === null) {
    plan.notes.push(
      `${shown} could not be edited safely; paste what eliza-doctor setup codex prints instead`,
    );
    return plan;
  }
  if (after !== before) {
    const what = Object.entries(wanted)
      .map(
        ([k, v]) =>
          `${k === 'baseUrl' ? 'base_url' : k === 'envKey' ? 'env_key' : k === 'wireApi' ? 'wire_api' : k} = ${v}`,
      )
      .join(', ');
    plan.edits.push({ file: home.configFile, after, why: `Codex: ${what}` });
  }
  const variable = wanted.envKey ?? parsed.setup.envKey?.value;
  if (variable && !host.env[variable]?.trim()) {
    plan.notes.push(
      `Codex sends the value of ${variable}: export it (your Eliza token) in your shell startup file`,
    );
  }
  return plan;
};

/** `eliza-doctor setup codex`: the lines fix would write, with the token's variable named. */
export const CODEX_SETUP: SetupSnippet = {
  client: CODEX_CLIENT,
  file: '~/.codex/config.toml (or $CODEX_HOME/config.toml); export ELIZA_TOKEN with your token',
  text: (ctx) =>
    codexSnippet({ baseUrl: ctx.baseUrl('openai'), envKey: 'ELIZA_TOKEN', model: DEFAULT_MODEL }),
};

/** The verdicts of client-codex that the CA in CODEX_CA_CERTIFICATE cures. */
export const CODEX_TRUST_CODES: readonly string[] = ['CLIENT_UNTRUSTED', 'CLIENT_CA_UNREADABLE'];

/**
 * The variables fix adds to the shell startup block for the clients that failed on trust: Codex
 * reads CODEX_CA_CERTIFICATE (on top of the OS store), never NODE_EXTRA_CA_CERTS.
 */
export function clientTrustVariables(
  results: ReadonlyMap<string, { code: string | null }>,
  caPath: string,
): Record<string, string> {
  const codex = results.get('client-codex');
  return codex?.code && CODEX_TRUST_CODES.includes(codex.code) ? { CODEX_CA_CERTIFICATE: caPath } : {};
}
