import path from 'node:path';
import { type Host, perHost } from '../host.ts';
import {
  type Assignment,
  type Construct,
  readScript,
  type ScriptReading,
  type ShellKind,
  type StartupFile,
  shellOf,
  startupFiles,
  TRUST_VARIABLES,
} from './shell.ts';

export interface ScannedFile extends StartupFile {
  exists: boolean;
  error: string | null;
}

/** A file a startup file sources (`. file`, `source file`), read with the shell that reads it. */
export interface SourcedFile {
  shell: ShellKind;
  path: string;
  exists: boolean;
  error: string | null;
}

export interface StartupScan {
  /** The user's login shell ($SHELL), bash when unknown. */
  loginShell: ShellKind;
  /** A new terminal here starts a login shell: macOS's Terminal, an ssh session. */
  login: boolean;
  /** The shells the user has: the login shell, those installed, those with startup files. */
  shells: ShellKind[];
  files: ScannedFile[];
  sourced: SourcedFile[];
  /** Every assignment of a trust variable, in the startup files and the files they source. */
  assignments: Assignment[];
  /** What each file read (startup and sourced), by shell and path: see readingOf. */
  readings: Map<string, ScriptReading>;
  /** Where the login shell's new terminal gets NODE_EXTRA_CA_CERTS from, per the files. */
  newTerminalFrom: Assignment | null;
}

const MAX_STARTUP_FILE_BYTES = 1024 * 1024;
/** Deep enough for dotfile frameworks that source a file that sources a file; a cycle stops anyway. */
const MAX_SOURCE_DEPTH = 8;

export const scanStartup = perHost(async (host: Host): Promise<StartupScan> => {
  const loginShell = shellOf(host.env.SHELL) ?? 'bash';
  const kinds: ShellKind[] = ['bash', 'zsh', 'fish'];
  const files: ScannedFile[] = [];
  const sourced: SourcedFile[] = [];
  const assignments: Assignment[] = [];
  const readings = new Map<string, ScriptReading>();

  const read = async (shell: ShellKind, file: string): Promise<{ exists: boolean; error: string | null }> => {
    try {
      // A FIFO or a device would block the read or never end: only regular files are read.
      if (!(await host.stat(file)).isFile()) return { exists: true, error: 'not a regular file' };
      const bytes = await host.readFile(file, MAX_STARTUP_FILE_BYTES);
      const binary = bytes.includes(0);
      const reading = readScript(
        file,
        binary ? '' : bytes.toString('utf8'),
        shell,
        TRUST_VARIABLES,
        host.home,
      );
      readings.set(readingKey(shell, file), reading);
      assignments.push(...reading.events.flatMap((e) => (e.kind === 'assign' ? [e.assignment] : [])));
      return { exists: true, error: binary ? 'binary, not a shell script' : null };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const missing = code === 'ENOENT' || code === 'ENOTDIR';
      return { exists: !missing, error: missing ? null : (code ?? 'unreadable') };
    }
  };
  const follow = async (shell: ShellKind, file: string, depth: number): Promise<void> => {
    if (depth >= MAX_SOURCE_DEPTH) return;
    for (const event of readings.get(readingKey(shell, file))?.events ?? []) {
      if (event.kind !== 'source' || readings.has(readingKey(shell, event.target))) continue;
      if (sourced.some((s) => s.shell === shell && s.path === event.target)) continue;
      sourced.push({ shell, path: event.target, ...(await read(shell, event.target)) });
      await follow(shell, event.target, depth + 1);
    }
  };
  for (const kind of kinds) {
    for (const file of startupFiles(kind, host.home, host.env)) {
      files.push({ ...file, ...(await read(kind, file.path)) });
      await follow(kind, file.path, 0);
    }
  }
  const installed = await Promise.all(kinds.map((k) => host.findExecutable(k)));
  const shells = kinds.filter(
    (k, i) => k === loginShell || installed[i] !== null || files.some((f) => f.shell === k && f.exists),
  );
  const scan: StartupScan = {
    loginShell,
    login: terminalStartsLogin(host),
    shells,
    files,
    sourced,
    assignments,
    readings,
    newTerminalFrom: null,
  };
  scan.newTerminalFrom = parsedView(scan, loginShell, scan.login).variables.NODE_EXTRA_CA_CERTS ?? null;
  return scan;
});

/** macOS's Terminal starts login shells, and so does every ssh session; Linux terminals do not. */
export function terminalStartsLogin(host: Host): boolean {
  return host.platform === 'darwin' || !!host.env.SSH_CONNECTION || !!host.env.SSH_TTY;
}

function readingKey(shell: ShellKind, file: string): string {
  return `${shell}\0${file}`;
}

export interface ParsedView {
  /** The last assignment of each variable a new terminal reads; null where a file unsets it. */
  variables: Record<string, Assignment | null>;
  /** The files read, startup and sourced, in reading order. */
  files: string[];
  /** What those files do that a reading cannot follow for sure. */
  constructs: Construct[];
}

/** The trust variables a new shell of this kind sets, reading its startup files as it would. */
export function parsedView(scan: StartupScan, shell: ShellKind, login: boolean): ParsedView {
  const view: ParsedView = { variables: {}, files: [], constructs: [] };
  const walk = (file: string, stack: string[]) => {
    const reading = scan.readings.get(readingKey(shell, file));
    if (!reading || stack.includes(file) || stack.length > MAX_SOURCE_DEPTH) return;
    if (!view.files.includes(file)) {
      view.files.push(file);
      view.constructs.push(...reading.constructs);
    }
    for (const event of reading.events) {
      if (event.kind === 'assign') view.variables[event.assignment.name] = event.assignment;
      else if (event.kind === 'unset') view.variables[event.name] = null;
      else walk(event.target, [...stack, file]);
    }
  };
  for (const file of filesRead(shell, scan.files, login)) walk(file, []);
  return view;
}

/**
 * What a new shell reads: an interactive one its rc files, a login one its login files too (bash
 * then reads only the first login file it finds, and its .bashrc only if that file sources it).
 */
function filesRead(shell: ShellKind, files: ScannedFile[], login: boolean): string[] {
  const own = files.filter((f) => f.shell === shell && f.exists);
  const firstLogin = own.find((f) => f.role === 'login');
  return own
    .filter((f) => {
      if (f.role === 'all') return true;
      if (shell === 'bash') return login ? f === firstLogin : f.role === 'interactive';
      return f.role === 'interactive' || login;
    })
    .map((f) => f.path);
}

/** Files that have CRLF line endings among those a shell reads, startup or sourced. */
export function crlfFiles(scan: StartupScan): string[] {
  const found: string[] = [];
  for (const [key, reading] of scan.readings) {
    const file = key.slice(key.indexOf('\0') + 1);
    if (reading.crlf && !found.includes(file)) found.push(file);
  }
  return found;
}

/**
 * This process's environment as a new terminal of the login shell would change it, per the startup
 * files; a value the reading cannot work out (built from a command) stays as inherited.
 */
export function newTerminalEnv(env: Readonly<Record<string, string | undefined>>, scan: StartupScan) {
  const result: Record<string, string | undefined> = { ...env };
  const view = parsedView(scan, scan.loginShell, scan.login);
  for (const [name, set] of Object.entries(view.variables)) {
    if (set === null) delete result[name];
    else if (set.value !== null) result[name] = set.value;
  }
  return result;
}

export function shown(home: string, file: string): string {
  return file.startsWith(`${home}/`) ? `~/${path.relative(home, file)}` : file;
}
