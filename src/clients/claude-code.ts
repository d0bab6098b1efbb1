import path from 'node:path';
import {
  applyEdits,
  type FormattingOptions,
  findNodeAtLocation,
  modify,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import type { DoctorConfig } from '../config.ts';
import type { Host } from '../host.ts';
import { shown } from '../trust/startup.ts';
import type { ClientFixer } from './fixes.ts';
import { ELIZA_ROUTES } from './routes.ts';
import type { SetupSnippet } from './setup.ts';
import type { ClientFacts, Credential } from './types.ts';

/**
 * Claude Code's configuration as the client itself resolves it. Measured with the real client
 * (2.1.197, docs/clients-ground-truth.md): a settings file's `env` block overrides the process
 * environment, the files rank user < project < local (a later one's value wins), ANTHROPIC_MODEL
 * wins over the settings' `model`, and a file that is not strict JSON is ignored whole.
 */

/** The variables that decide where Claude Code connects, with what, and whom it trusts. */
export const CLAUDE_VARIABLES = [
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_CUSTOM_HEADERS',
  'ANTHROPIC_MODEL',
  'NODE_EXTRA_CA_CERTS',
  'CLAUDE_CODE_CERT_STORE',
  // Where the OS store is read from (BoringSSL's default file), as for OpenSSL.
  'SSL_CERT_FILE',
] as const;
export type ClaudeVariable = (typeof CLAUDE_VARIABLES)[number];

/** The model Claude Code 2.1.197 asks for when nothing names one (seen on the wire). */
export const CLAUDE_DEFAULT_MODEL = 'claude-opus-4-8';

/** What the client-claude-code check keeps beyond every client's facts. */
export interface ClaudeCodeFacts extends ClientFacts {
  /** Where Claude Code was found ("claude on PATH (…)", "~/.claude/"); null: only configured. */
  installed: string | null;
  /** Settings files read, weakest first. */
  files: string[];
  /**
   * What `fix` may set in the user's settings: the base URL when the check found it wrong, the
   * CA when none of the stores Claude Code reads holds the gateway's root (null: not known).
   */
  wrong: { baseUrl: boolean; ca: boolean | null };
  /** The settings file:line that sets a variable over the user's settings file, which `fix` cannot outvote. */
  overriding: Partial<Record<'ANTHROPIC_BASE_URL' | 'NODE_EXTRA_CA_CERTS', string>>;
}

/** A value as Claude Code will use it, and where it came from. */
export interface ClaudeSetting {
  value: string;
  /** "~/.claude/settings.json:7" or "environment ANTHROPIC_BASE_URL". */
  source: string;
}

export interface ClaudeSettingsFile {
  path: string;
  shown: string;
  scope: 'user' | 'project' | 'local';
}

export interface ClaudeConfig {
  /** How Claude Code was found: "claude on PATH (/usr/bin/claude)", "~/.claude/", or null. */
  installed: string | null;
  /** Settings files that exist, as the user knows them. */
  files: string[];
  /** A settings file that does not parse: Claude Code's settings cannot be judged past it. */
  invalid: { source: string; reason: string } | null;
  values: Partial<Record<ClaudeVariable, ClaudeSetting>>;
  model: ClaudeSetting | null;
}

const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

/** The user's settings folder: CLAUDE_CONFIG_DIR moves it. */
export function claudeConfigDir(host: Pick<Host, 'env' | 'home'>): string {
  const moved = host.env.CLAUDE_CONFIG_DIR?.trim();
  return moved ? path.resolve(host.home, moved) : path.join(host.home, '.claude');
}

/** The settings files Claude Code reads, weakest first. */
export function claudeSettingsFiles(host: Pick<Host, 'env' | 'home' | 'cwd'>): ClaudeSettingsFile[] {
  const file = (p: string, scope: ClaudeSettingsFile['scope']) => ({
    path: p,
    shown: shown(host.home, p),
    scope,
  });
  const user = file(path.join(claudeConfigDir(host), 'settings.json'), 'user');
  const project = path.join(host.cwd, '.claude');
  const local = file(path.join(project, 'settings.local.json'), 'local');
  // In the home folder the project's settings file is the user's (read once); its local file counts.
  if (path.resolve(project) === path.dirname(user.path)) return [user, local];
  return [user, file(path.join(project, 'settings.json'), 'project'), local];
}

export type ParsedSettings =
  | { kind: 'ok'; env: Partial<Record<ClaudeVariable, ClaudeSetting>>; model: ClaudeSetting | null }
  | { kind: 'invalid'; source: string; reason: string };

/** 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Claude Code reads its settings as strict JSON: a comment or a trailing comma makes it ignore the whole file. */
const PARSE_OPTIONS = { disallowComments: true, allowTrailingComma: false } as const;

function parseJsonc(text: string): { root: Node | undefined; error: ParseError | null } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  return { root, error: errors[0] ?? null };
}

/** One settings file's `env` block and `model`, each value with its file:line. */
export function parseClaudeSettings(text: string, shownPath: string): ParsedSettings {
  if (text.trim() === '') return { kind: 'ok', env: {}, model: null };
  const { root, error } = parseJsonc(text);
  if (error) {
    return {
      kind: 'invalid',
      source: `${shownPath}:${lineAt(text, error.offset)}`,
      reason: `not valid JSON (${printParseErrorCode(error.error)})`,
    };
  }
  if (!root) return { kind: 'ok', env: {}, model: null };
  if (root.type !== 'object') {
    return {
      kind: 'invalid',
      source: `${shownPath}:${lineAt(text, root.offset)}`,
      reason: 'not a JSON object',
    };
  }
  const at = (node: Node) => `${shownPath}:${lineAt(text, node.offset)}`;
  const env: Partial<Record<ClaudeVariable, ClaudeSetting>> = {};
  const envNode = findNodeAtLocation(root, ['env']);
  if (envNode && envNode.type !== 'object') {
    return { kind: 'invalid', source: at(envNode), reason: '"env" is not an object' };
  }
  for (const name of CLAUDE_VARIABLES) {
    const node = envNode ? findNodeAtLocation(envNode, [name]) : undefined;
    // The client exports every value as a string; null and objects it leaves out.
    if (node && (node.type === 'string' || node.type === 'number' || node.type === 'boolean')) {
      const value = String(node.value);
      if (value !== '') env[name] = { value, source: at(node) };
    }
  }
  const modelNode = findNodeAtLocation(root, ['model']);
  const model =
    modelNode?.type === 'string' && modelNode.value !== ''
      ? { value: modelNode.value as string, source: at(modelNode) }
      : null;
  return { kind: 'ok', env, model };
}

/** What Claude Code will use: the process environment, then each settings file's `env` on top. */
export async function readClaudeConfig(host: Host): Promise<ClaudeConfig> {
  const values: Partial<Record<ClaudeVariable, ClaudeSetting>> = {};
  for (const name of CLAUDE_VARIABLES) {
    const value = host.env[name];
    if (value) values[name] = { value, source: `environment ${name}` };
  }
  let settingsModel: ClaudeSetting | null = null;
  const files: string[] = [];
  let invalid: ClaudeConfig['invalid'] = null;
  for (const file of claudeSettingsFiles(host)) {
    const text = await readText(host, file.path);
    if (text === null) continue;
    files.push(file.shown);
    if (typeof text !== 'string') {
      invalid ??= { source: file.shown, reason: text.unreadable };
      continue;
    }
    const parsed = parseClaudeSettings(text, file.shown);
    if (parsed.kind === 'invalid') {
      invalid ??= { source: parsed.source, reason: parsed.reason };
      continue;
    }
    Object.assign(values, parsed.env);
    if (parsed.model) settingsModel = parsed.model;
  }
  const dir = claudeConfigDir(host);
  const binary = await host.findExecutable('claude');
  const installed = binary
    ? `claude on PATH (${binary})`
    : (await isDirectory(host, dir))
      ? `${shown(host.home, dir)}/`
      : null;
  // ANTHROPIC_MODEL, wherever set, wins over the settings' `model`.
  return { installed, files, invalid, values, model: values.ANTHROPIC_MODEL ?? settingsModel };
}

async function readText(host: Host, file: string): Promise<string | { unreadable: string } | null> {
  try {
    return (await host.readFile(file, MAX_SETTINGS_BYTES)).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    return { unreadable: `cannot be read (${code ?? (error as Error).message})` };
  }
}

async function isDirectory(host: Host, dir: string): Promise<boolean> {
  try {
    return (await host.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** The headers ANTHROPIC_CUSTOM_HEADERS adds: one "Name: Value" a line. */
export function parseCustomHeaders(text: string): { name: string; value: string }[] {
  const headers: { name: string; value: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name) headers.push({ name, value });
  }
  return headers;
}

/** Sets `env` entries of a settings file, keeping every other byte: comments, keys, indentation. */
export function withEnvValues(
  text: string | null,
  values: Record<string, string>,
): { kind: 'ok'; text: string } | { kind: 'invalid'; reason: string } {
  let current = text ?? '{}\n';
  const { root, error } = parseJsonc(current);
  if (error) return { kind: 'invalid', reason: `not valid JSON (${printParseErrorCode(error.error)})` };
  if (text !== null && text.trim() === '') current = '{}\n';
  else if (root?.type !== 'object') return { kind: 'invalid', reason: 'not a JSON object' };
  const envNode = root ? findNodeAtLocation(root, ['env']) : undefined;
  if (envNode && envNode.type !== 'object') return { kind: 'invalid', reason: '"env" is not an object' };
  const formattingOptions = formattingOf(current);
  for (const [name, value] of Object.entries(values)) {
    current = applyEdits(current, modify(current, ['env', name], value, { formattingOptions }));
  }
  return { kind: 'ok', text: current };
}

/** The file's own indentation and line ending, so that added lines look like the rest. */
function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent?.length ?? 2, eol };
}

/**
 * Every auth header Claude Code sends, as measured: ANTHROPIC_AUTH_TOKEN as Bearer, which replaces
 * an Authorization line of ANTHROPIC_CUSTOM_HEADERS; ANTHROPIC_API_KEY as x-api-key, besides.
 */
export function claudeCredentials(config: Pick<ClaudeConfig, 'values'>): {
  credentials: Credential[];
  headers: Record<string, string>;
} {
  const {
    ANTHROPIC_AUTH_TOKEN: token,
    ANTHROPIC_API_KEY: apiKey,
    ANTHROPIC_CUSTOM_HEADERS: custom,
  } = config.values;
  const credentials: Credential[] = [];
  const headers: Record<string, string> = {};
  for (const header of custom ? parseCustomHeaders(custom.value) : []) {
    const name = header.name.toLowerCase();
    if (name === 'authorization' || name === 'x-api-key') {
      if (name === 'authorization' && token) continue;
      credentials.push({ header: 'header', name: header.name, value: header.value, source: custom!.source });
    } else headers[name] = header.value;
  }
  if (token) credentials.push({ header: 'bearer', value: token.value, source: token.source });
  if (apiKey) credentials.push({ header: 'x-api-key', value: apiKey.value, source: apiKey.source });
  return { credentials, headers };
}

/** The CA stores CLAUDE_CODE_CERT_STORE names; both when unset. */
export function claudeCertStores(value: string | undefined): { bundled: boolean; system: boolean } {
  const named = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (named.length === 0) return { bundled: true, system: true };
  return { bundled: named.includes('bundled'), system: named.includes('system') };
}

/** A variable set by a settings file stronger than the user's: what the user's file cannot change. */
export function overridingSource(
  host: Pick<Host, 'env' | 'home' | 'cwd'>,
  setting: ClaudeSetting | undefined,
) {
  const user = claudeSettingsFiles(host)[0]!;
  if (!setting || setting.source.startsWith('environment ') || setting.source.startsWith(`${user.shown}:`))
    return undefined;
  return setting.source;
}

/** The base URL Claude Code needs: the gateway's raw anthropic route (Claude Code appends /v1/messages). */
export function claudeBaseUrl(config: Pick<DoctorConfig, 'target'>): string {
  return `${config.target.baseUrl}${ELIZA_ROUTES.anthropic}`;
}

/**
 * `fix` for Claude Code: the user's settings file's `env` block, edited in place (created when
 * absent), with only what the check found wrong. The key is never written: it stays where the
 * user keeps it.
 */
export const claudeCodeFixer: ClientFixer = async ({ host, result, config, caPath }) => {
  const facts = result.data as Partial<ClaudeCodeFacts>;
  const user = claudeSettingsFiles(host)[0]!;
  const wants: Record<string, string> = {};
  const manual: string[] = [];
  const overriding = facts.overriding ?? {};
  const set = (name: 'ANTHROPIC_BASE_URL' | 'NODE_EXTRA_CA_CERTS', value: string) => {
    const winner = overriding[name];
    if (winner) manual.push(`set ${name} to ${value} at ${winner}: it wins over ${user.shown}`);
    else wants[name] = value;
  };
  if (facts.wrong?.baseUrl) set('ANTHROPIC_BASE_URL', claudeBaseUrl(config));
  if (facts.wrong?.ca) set('NODE_EXTRA_CA_CERTS', caPath);
  if (Object.keys(wants).length === 0) return { edits: [], notes: [], manual, usesCaFile: false };
  const before = await readText(host, user.path);
  if (before !== null && typeof before !== 'string') {
    return {
      edits: [],
      notes: [],
      manual: [`${user.shown} ${before.unreadable}: edit it by hand`],
      usesCaFile: false,
    };
  }
  const after = withEnvValues(before, wants);
  if (after.kind === 'invalid') {
    // Never overwrite what cannot be parsed: the user's file stays as it is.
    return {
      edits: [],
      notes: [],
      manual: [`${user.shown} is ${after.reason}: repair it, then run the fix again`],
      usesCaFile: false,
    };
  }
  return {
    edits: [
      {
        file: user.path,
        after: after.text,
        why: `Claude Code: ${Object.keys(wants).join(', ')} in its "env" block`,
      },
    ],
    notes: ['Claude Code reads its settings when it starts: restart running sessions'],
    manual,
    usesCaFile: 'NODE_EXTRA_CA_CERTS' in wants,
  };
};

/** What `eliza-doctor setup claude-code` prints: the settings the fix writes, and where the key goes. */
export const claudeCodeSetup: SetupSnippet = {
  client: 'Claude Code',
  file: '~/.claude/settings.json',
  text: ({ baseUrl, caPath }) =>
    `${JSON.stringify(
      {
        env: {
          ANTHROPIC_BASE_URL: baseUrl('anthropic'),
          NODE_EXTRA_CA_CERTS: caPath,
        },
      },
      null,
      2,
    )}\n# and your Eliza token, in your shell's startup file (not in this file):\n# export ANTHROPIC_AUTH_TOKEN=<your Eliza token>\n# Claude Code asks for ${CLAUDE_DEFAULT_MODEL} unless told otherwise: if Eliza does not list it, add "ANTHROPIC_MODEL": "<a listed claude model>" to "env"\n`,
};
