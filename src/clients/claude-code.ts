import path from 'node:path';
import {
  applyEdits,
  findNodeAtLocation,
  type FormattingOptions,
  modify,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import type { Host } from '../host.ts';
import { shown } from '../trust/startup.ts';

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
] as const;
export type ClaudeVariable = (typeof CLAUDE_VARIABLES)[number];

/** The model Claude Code 2.1.197 asks for when nothing names one (seen on the wire). */
export const CLAUDE_DEFAULT_MODEL = 'claude-opus-4-8';

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
  const file = (p: string, scope: ClaudeSettingsFile['scope']) => ({ path: p, shown: shown(host.home, p), scope });
  const user = file(path.join(claudeConfigDir(host), 'settings.json'), 'user');
  const project = path.join(host.cwd, '.claude');
  // In the home folder, the project's settings file is the user's: read once.
  if (path.resolve(project) === path.dirname(user.path)) return [user];
  return [
    user,
    file(path.join(project, 'settings.json'), 'project'),
    file(path.join(project, 'settings.local.json'), 'local'),
  ];
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
    return { kind: 'invalid', source: `${shownPath}:${lineAt(text, root.offset)}`, reason: 'not a JSON object' };
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
    modelNode?.type === 'string' && modelNode.value !== '' ? { value: modelNode.value as string, source: at(modelNode) } : null;
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
