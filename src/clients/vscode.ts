import path from 'node:path';
import {
  findNodeAtLocation,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
  stripComments,
} from 'jsonc-parser';
import type { Host } from '../host.ts';
import type { Setting } from './types.ts';

/**
 * VS Code's user settings (JSON with comments) and Cline 4.x's provider file: where they are, and
 * what in them decides how an AI extension reaches the gateway. Pure parsers over text; the places
 * come from the Host.
 */

/** The editions that keep settings of their own, by the folder name they use. */
const EDITIONS = ['Code', 'Code - Insiders', 'VSCodium'];

/** Each edition's `User` folder, where settings.json lives (VS Code's own per-OS locations). */
export function vscodeUserDirs(host: Host): string[] {
  const { env, home, platform } = host;
  const base =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : platform === 'win32'
        ? env.APPDATA || path.join(home, 'AppData', 'Roaming')
        : env.XDG_CONFIG_HOME || path.join(home, '.config');
  return EDITIONS.map((edition) => path.join(base, edition, 'User'));
}

/** Cline keeps its data under CLINE_DATA_DIR, else CLINE_DIR/data, else ~/.cline/data (sdk/packages/shared/src/storage/paths.ts). */
export function clineProvidersFile(host: Host): string {
  const dataDir =
    host.env.CLINE_DATA_DIR?.trim() ||
    path.join(host.env.CLINE_DIR?.trim() || path.join(host.home, '.cline'), 'data');
  return path.join(dataDir, 'settings', 'providers.json');
}

export interface VscodeSettings {
  /** `http.proxyStrictSSL: false`: the extension host then accepts any certificate through a proxy. */
  strictSslOff: Setting | null;
  /** `http.systemCertificates` as written; absent means true. */
  systemCertificates: { value: boolean; source: string } | null;
  proxy: Setting | null;
  /** `claudeCode.environmentVariables`: what the Claude Code extension starts its binary with. */
  claudeEnv: (Setting & { name: string })[];
}

export type JsonParse<T> = { ok: true; value: T } | { ok: false; line: number; reason: string };

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function parseJson(text: string, strict: boolean): JsonParse<Node | undefined> {
  // An empty settings file (VS Code writes one) means nothing set.
  if (!strict && stripComments(text).trim() === '') return { ok: true, value: undefined };
  const errors: ParseError[] = [];
  // VS Code reads settings with comments and trailing commas; Cline reads its file with JSON.parse.
  const root = parseTree(text, errors, { allowTrailingComma: !strict, disallowComments: strict });
  const first = errors[0];
  if (first) return { ok: false, line: lineAt(text, first.offset), reason: printParseErrorCode(first.error) };
  if (root && root.type !== 'object')
    return { ok: false, line: lineAt(text, root.offset), reason: 'not an object' };
  return { ok: true, value: root };
}

export function parseVscodeSettings(text: string, file: string): JsonParse<VscodeSettings> {
  const parsed = parseJson(text, false);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  const at = (key: string) => (root ? findNodeAtLocation(root, [key]) : undefined);
  const where = (node: Node) => `${file}:${lineAt(text, node.offset)}`;
  const settings: VscodeSettings = {
    strictSslOff: null,
    systemCertificates: null,
    proxy: null,
    claudeEnv: [],
  };
  const strict = at('http.proxyStrictSSL');
  if (strict?.type === 'boolean' && strict.value === false)
    settings.strictSslOff = { value: 'false', source: where(strict) };
  const system = at('http.systemCertificates');
  if (system?.type === 'boolean')
    settings.systemCertificates = { value: system.value === true, source: where(system) };
  const proxy = at('http.proxy');
  if (proxy?.type === 'string' && proxy.value)
    settings.proxy = { value: String(proxy.value), source: where(proxy) };
  const claude = at('claudeCode.environmentVariables');
  for (const entry of claude?.type === 'array' ? (claude.children ?? []) : []) {
    const value = getNodeValue(entry) as unknown;
    if (value && typeof value === 'object' && 'name' in value && typeof value.name === 'string') {
      const v =
        'value' in value && value.value !== undefined && value.value !== null ? String(value.value) : '';
      settings.claudeEnv.push({ name: value.name, value: v, source: where(entry) });
    }
  }
  return { ok: true, value: settings };
}

export interface ClineProvider {
  id: string;
  provider: string;
  /** Which of them Cline uses now (`lastUsedProvider`). */
  current: boolean;
  baseUrl: Setting | null;
  model: Setting | null;
  /** `apiKey`, or the OAuth access token Cline keeps for the provider. */
  key: Setting | null;
  headers: Record<string, string>;
  /** `protocol`: openai-chat unless the provider says otherwise. */
  protocol: string | null;
}

/** `providers.json` (sdk/packages/core/src/types/provider-settings.ts: version 1, providers.<id>.settings). */
export function parseClineProviders(text: string, file: string): JsonParse<ClineProvider[]> {
  const parsed = parseJson(text, true);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (!root) return { ok: true, value: [] };
  const where = (node: Node) => `${file}:${lineAt(text, node.offset)}`;
  const stringAt = (from: Node, keys: string[]): Setting | null => {
    const node = findNodeAtLocation(from, keys);
    return node?.type === 'string' && node.value ? { value: String(node.value), source: where(node) } : null;
  };
  const lastUsed = findNodeAtLocation(root, ['lastUsedProvider'])?.value as unknown;
  const providers = findNodeAtLocation(root, ['providers']);
  const found: ClineProvider[] = [];
  for (const property of providers?.type === 'object' ? (providers.children ?? []) : []) {
    const [keyNode, entry] = property.children ?? [];
    const settings = entry ? findNodeAtLocation(entry, ['settings']) : undefined;
    if (!keyNode || settings?.type !== 'object') continue;
    const id = String(keyNode.value);
    const headersValue = getNodeValue(findNodeAtLocation(settings, ['headers']) ?? settings) as unknown;
    const headers: Record<string, string> = {};
    if (
      findNodeAtLocation(settings, ['headers'])?.type === 'object' &&
      headersValue &&
      typeof headersValue === 'object'
    )
      for (const [k, v] of Object.entries(headersValue)) if (typeof v === 'string') headers[k] = v;
    found.push({
      id,
      provider: stringAt(settings, ['provider'])?.value ?? id,
      current: lastUsed === id,
      baseUrl: stringAt(settings, ['baseUrl']),
      model: stringAt(settings, ['model']),
      key:
        stringAt(settings, ['apiKey']) ??
        stringAt(settings, ['auth', 'apiKey']) ??
        stringAt(settings, ['auth', 'accessToken']),
      headers,
      protocol: stringAt(settings, ['protocol'])?.value ?? null,
    });
  }
  return { ok: true, value: found };
}
