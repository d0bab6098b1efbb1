import path from 'node:path';

/** The shells the doctor knows the startup files of. */
export type ShellKind = 'bash' | 'zsh' | 'fish';

export interface StartupFile {
  shell: ShellKind;
  path: string;
  /** Read by interactive shells (a new terminal window), by login shells, or both. */
  role: 'interactive' | 'login' | 'all';
}

export const BLOCK_BEGIN = '# >>> eliza-doctor >>>';
export const BLOCK_END = '# <<< eliza-doctor <<<';

/** Variables a new terminal's trust depends on, the doctor's own and those that switch checks off. */
export const TRUST_VARIABLES = [
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'SSL_CERT_FILE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'PYTHONHTTPSVERIFY',
  'GIT_SSL_NO_VERIFY',
] as const;

export function shellOf(shellPath: string | undefined): ShellKind | null {
  const name = path.basename(shellPath ?? '');
  return name === 'bash' || name === 'zsh' || name === 'fish' ? name : null;
}

/**
 * Every startup file that a shell of this kind reads, in reading order. Bash reads the first of
 * .bash_profile, .bash_login, .profile as a login shell, and .bashrc when interactive.
 */
export function startupFiles(
  shell: ShellKind,
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): StartupFile[] {
  switch (shell) {
    case 'bash':
      return [
        { shell, path: path.join(home, '.bash_profile'), role: 'login' },
        { shell, path: path.join(home, '.bash_login'), role: 'login' },
        { shell, path: path.join(home, '.profile'), role: 'login' },
        { shell, path: path.join(home, '.bashrc'), role: 'interactive' },
      ];
    case 'zsh': {
      const dir = env.ZDOTDIR?.trim() || home;
      return [
        { shell, path: path.join(dir, '.zshenv'), role: 'all' },
        { shell, path: path.join(dir, '.zprofile'), role: 'login' },
        { shell, path: path.join(dir, '.zshrc'), role: 'interactive' },
      ];
    }
    case 'fish': {
      const config = env.XDG_CONFIG_HOME?.trim() || path.join(home, '.config');
      return [{ shell, path: path.join(config, 'fish', 'config.fish'), role: 'all' }];
    }
  }
}

export interface Assignment {
  file: string;
  line: number;
  name: string;
  /** The value with $HOME, ${HOME} and a leading ~ expanded; null when it uses anything else. */
  value: string | null;
  raw: string;
}

const POSIX_ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const FISH_ASSIGNMENT = /^\s*set\s+(?:-[a-zA-Z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/;

/** Assignments of the given variables, line by line; commented lines do not count. */
export function findAssignments(
  file: string,
  text: string,
  shell: ShellKind,
  names: readonly string[],
  home: string,
): Assignment[] {
  const found: Assignment[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*#/.test(line)) return;
    const match = (shell === 'fish' ? FISH_ASSIGNMENT : POSIX_ASSIGNMENT).exec(line);
    if (!match || !names.includes(match[1]!)) return;
    const raw = match[2]!.trim();
    found.push({ file, line: index + 1, name: match[1]!, value: shellValue(raw, home), raw });
  });
  return found;
}

/**
 * A value as the shell would see it, for the simple forms people write: '...' literal, "..." with
 * $HOME, bare with ~ and $HOME. null when it needs anything else ($(...), other variables).
 */
function shellValue(raw: string, home: string): string | null {
  const expandHome = (text: string) => text.replace(/\$\{HOME\}|\$HOME(?![A-Za-z0-9_])/g, home);
  let value: string;
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    if (end < 0) return null;
    return raw.slice(1, end);
  }
  if (raw.startsWith('"')) {
    const end = raw.indexOf('"', 1);
    if (end < 0) return null;
    value = expandHome(raw.slice(1, end));
  } else {
    const bare = /^[^\s;#]*/.exec(raw)![0];
    value = expandHome(bare.replace(/^~(?=\/|$)/, home));
  }
  return /[$`]/.test(value) ? null : value;
}

/** The lines the doctor puts into a startup file, in that shell's syntax. */
export function blockLines(shell: ShellKind, variables: Record<string, string>, home: string): string[] {
  const shown = (p: string) => (p.startsWith(`${home}/`) ? `$HOME/${p.slice(home.length + 1)}` : p);
  const lines = Object.entries(variables).map(([name, value]) =>
    shell === 'fish' ? `set -gx ${name} "${shown(value)}"` : `export ${name}="${shown(value)}"`,
  );
  return [
    BLOCK_BEGIN,
    '# Trust the internal CA for Eliza (api.eliza.yandex.net). Added by `eliza-doctor fix`;',
    '# `eliza-doctor fix --undo` removes it.',
    ...lines,
    BLOCK_END,
  ];
}

/**
 * The file's text with the doctor's block put in: replacing an existing block in place, else
 * appended. Keeps the file's line endings; adds the missing final newline before appending.
 */
export function withBlock(original: string, block: string[]): string {
  const existing = findBlock(original);
  const outside = existing ? original.slice(0, existing.start) + original.slice(existing.end) : original;
  const eol = lineEnding(outside);
  const body = block.join(eol) + eol;
  if (existing) return original.slice(0, existing.start) + body + original.slice(existing.end);
  if (original === '') return body;
  const separator = original.endsWith('\n') ? '' : eol;
  return `${original}${separator}${eol}${body}`;
}

/**
 * CRLF only when every line break outside the doctor's block is one: a lone CR that the block's
 * own newline turned into a CRLF must not switch the file over (a second fix would rewrite it).
 */
function lineEnding(text: string): '\r\n' | '\n' {
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf === lf ? '\r\n' : '\n';
}

/** The file's text without the doctor's block (and the blank line put before it). */
export function withoutBlock(text: string): string {
  const existing = findBlock(text);
  if (!existing) return text;
  let start = existing.start;
  const before = text.slice(0, start);
  if (before.endsWith('\n\n')) start -= 1;
  else if (before.endsWith('\r\n\r\n')) start -= 2;
  return text.slice(0, start) + text.slice(existing.end);
}

function findBlock(text: string): { start: number; end: number } | null {
  const start = text.indexOf(BLOCK_BEGIN);
  if (start < 0 || (start > 0 && text[start - 1] !== '\n')) return null;
  const endMarker = text.indexOf(BLOCK_END, start);
  if (endMarker < 0) return null;
  let end = endMarker + BLOCK_END.length;
  if (text.startsWith('\r\n', end)) end += 2;
  else if (text[end] === '\n') end += 1;
  return { start, end };
}
