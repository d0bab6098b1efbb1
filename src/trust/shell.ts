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
  // Codex CLI's own extra CA (a Rust program: NODE_EXTRA_CA_CERTS means nothing to it).
  'CODEX_CA_CERTIFICATE',
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
  /** Made under a condition (`[ -f … ] && export …`, an if block, a loop): read as if it were made. */
  conditional: boolean;
}

/** What a reading of startup files cannot follow for sure: named when the shell says otherwise. */
export interface Construct {
  file: string;
  line: number;
  kind: 'source' | 'loop' | 'conditional' | 'computed' | 'unset';
  /** The variable it is about (conditional, computed, unset). */
  name: string | null;
  /** For a source: the file it reads, when the doctor can tell which (then it is followed). */
  target: string | null;
  text: string;
}

export type ScriptEvent =
  | { kind: 'assign'; assignment: Assignment }
  | { kind: 'unset'; name: string; line: number }
  | { kind: 'source'; target: string; line: number };

export interface ScriptReading {
  /** Assignments, unsets and sourced files of the trust variables, in reading order. */
  events: ScriptEvent[];
  constructs: Construct[];
  /** CRLF line endings: bash and zsh then read `\r` as part of every value. */
  crlf: boolean;
}

const POSIX_ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const FISH_ASSIGNMENT = /^\s*set\s+(?:-[a-zA-Z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/;
/** An assignment after `&&`, `||`, `;`, `then` or `do`: made only when what comes before says so. */
const POSIX_INLINE = /(&&|\|\||;|\bthen\b|\bdo\b)\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S.*|$)/g;
const FISH_INLINE =
  /(&&|\|\||;\s*and\b|;\s*or\b|;|^\s*and\b|^\s*or\b)\s*set\s+(?:-[a-zA-Z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/g;
const SOURCE = /(?:^|&&|\|\||;|\bthen\b|\bdo\b|\band\b|\bor\b)\s*(?:\.|source)\s+("[^"]*"|'[^']*'|[^\s;&|]+)/;
const POSIX_OPEN = /^\s*(if|for|while|until|case)\b/;
const POSIX_CLOSE = /(?:^|;)\s*(fi|done|esac)\b\s*(?:[;&|#].*)?$/;
const FISH_OPEN = /^\s*(if|for|while|switch|function|begin)\b/;
const FISH_CLOSE = /(?:^|;)\s*end\b\s*(?:[;#].*)?$/;

/** Assignments of the given variables, line by line; commented lines do not count. */
export function findAssignments(
  file: string,
  text: string,
  shell: ShellKind,
  names: readonly string[],
  home: string,
): Assignment[] {
  return readScript(file, text, shell, names, home).events.flatMap((e) =>
    e.kind === 'assign' ? [e.assignment] : [],
  );
}

/**
 * What a startup file does to the given variables, as far as reading it line by line can tell:
 * assignments (conditional ones too, marked), unsets and sourced files (followed by the caller),
 * and the constructs it cannot follow for sure (loops, conditions, computed values), which explain
 * a disagreement with the shell itself.
 */
export function readScript(
  file: string,
  text: string,
  shell: ShellKind,
  names: readonly string[],
  home: string,
): ScriptReading {
  const events: ScriptEvent[] = [];
  const constructs: Construct[] = [];
  const fish = shell === 'fish';
  /** Open blocks: if, loops and (fish) functions; an assignment inside one is conditional. */
  const blocks: string[] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const at = index + 1;
    if (/^\s*#/.test(line)) return;
    const construct = (kind: Construct['kind'], name: string | null, target: string | null = null) =>
      constructs.push({ file, line: at, kind, name, target, text: line.trim().slice(0, 120) });
    const open = (fish ? FISH_OPEN : POSIX_OPEN).exec(line);
    const closes = (fish ? FISH_CLOSE : POSIX_CLOSE).test(line);
    const loop = open && /^(for|while|until)$/.test(open[1]!);
    if (loop) construct('loop', null);
    const inBlock = blocks.length > 0 || (open !== null && closes);
    if (open && !closes) blocks.push(open[1]!);
    else if (!open && closes) blocks.pop();

    const source = SOURCE.exec(line);
    if (source) {
      const target = shellValue(source[1]!, home);
      // A glob, a process substitution (`source <(kubectl completion zsh)`): not one file to read.
      const literal = target !== null && !/[<>()*?[\]{}|]/.test(target);
      const resolved = literal ? path.resolve(home, target) : null;
      construct('source', null, resolved);
      if (resolved) events.push({ kind: 'source', target: resolved, line: at });
    }
    for (const name of unsetNames(line, fish)) {
      if (!names.includes(name)) continue;
      construct('unset', name);
      events.push({ kind: 'unset', name, line: at });
    }
    const whole = (fish ? FISH_ASSIGNMENT : POSIX_ASSIGNMENT).exec(line);
    const query = fish && /^\s*set\s+(?:-[a-zA-Z]*[eq][a-zA-Z]*|--erase|--query)\b/.test(line);
    let match: { name: string; raw: string; after: string | null } | null =
      whole && !query && names.includes(whole[1]!) ? { name: whole[1]!, raw: whole[2]!, after: null } : null;
    for (const m of match ? [] : line.matchAll(fish ? FISH_INLINE : POSIX_INLINE)) {
      if (names.includes(m[2]!)) match = { name: m[2]!, raw: m[3]!, after: m[1]!.trim() };
    }
    if (!match) return;
    const raw = match.raw.trim();
    const conditional = inBlock || (match.after !== null && match.after !== ';');
    const assignment = { file, line: at, name: match.name, value: shellValue(raw, home), raw, conditional };
    if (conditional) construct('conditional', assignment.name);
    if (assignment.value === null) construct('computed', assignment.name);
    events.push({ kind: 'assign', assignment });
  });
  return { events, constructs, crlf: /\r\n/.test(text) };
}

function unsetNames(line: string, fish: boolean): string[] {
  const match = fish
    ? /(?:^|;|\band\b|\bor\b)\s*set\s+(?:-[a-zA-Z]*e[a-zA-Z]*|--erase)\s+([^;#]*)/.exec(line)
    : /(?:^|;|&&|\|\|)\s*unset\s+(?:-v\s+)?([^;#&|]*)/.exec(line);
  return match ? match[1]!.trim().split(/\s+/).filter(Boolean) : [];
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
 * appended; adds the missing final newline before appending. The block is LF whatever the file
 * uses: bash and zsh read a CR as part of the value, so a CRLF block would set broken paths.
 */
export function withBlock(original: string, block: string[]): string {
  const existing = findBlock(original);
  const body = `${block.join('\n')}\n`;
  if (existing) return original.slice(0, existing.start) + body + original.slice(existing.end);
  if (original === '') return body;
  const separator = original.endsWith('\n') ? '' : '\n';
  return `${original}${separator}\n${body}`;
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
