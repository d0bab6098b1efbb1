import { type Host, perHost } from '../host.ts';
import {
  type Assignment,
  findAssignments,
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

export interface StartupScan {
  /** The user's login shell ($SHELL), bash when unknown. */
  loginShell: ShellKind;
  /** The shells the user has: the login shell, those installed, those with startup files. */
  shells: ShellKind[];
  files: ScannedFile[];
  assignments: Assignment[];
  /** Each trust variable as a new terminal of the login shell would have it (unset: absent). */
  newTerminal: Record<string, string | null>;
}

const MAX_STARTUP_FILE_BYTES = 1024 * 1024;

export const scanStartup = perHost(async (host: Host): Promise<StartupScan> => {
  const loginShell = shellOf(host.env.SHELL) ?? 'bash';
  const kinds: ShellKind[] = ['bash', 'zsh', 'fish'];
  const files: ScannedFile[] = [];
  const assignments: Assignment[] = [];
  const texts = new Map<string, string>();
  for (const kind of kinds) {
    for (const file of startupFiles(kind, host.home, host.env)) {
      try {
        const bytes = await host.readFile(file.path, MAX_STARTUP_FILE_BYTES);
        const text = bytes.includes(0) ? '' : bytes.toString('utf8');
        texts.set(file.path, text);
        files.push({ ...file, exists: true, error: bytes.includes(0) ? 'binary, not a shell script' : null });
        assignments.push(...findAssignments(file.path, text, kind, TRUST_VARIABLES, host.home));
      } catch (error) {
        const code = (error as { code?: string }).code;
        const missing = code === 'ENOENT' || code === 'ENOTDIR';
        files.push({ ...file, exists: !missing, error: missing ? null : (code ?? 'unreadable') });
      }
    }
  }
  const installed = await Promise.all(kinds.map((k) => host.findExecutable(k)));
  const shells = kinds.filter(
    (k, i) => k === loginShell || installed[i] !== null || files.some((f) => f.shell === k && f.exists),
  );
  const read = newTerminalFiles(loginShell, files, host.platform);
  const newTerminal: Record<string, string | null> = {};
  for (const a of assignments) {
    if (read.includes(a.file)) newTerminal[a.name] = a.value;
  }
  return { loginShell, shells, files, assignments, newTerminal };
});

/**
 * What a new terminal window reads. Terminals on Linux start interactive non-login shells;
 * macOS's Terminal starts login shells, and bash then reads only the first login file it finds.
 */
function newTerminalFiles(shell: ShellKind, files: ScannedFile[], platform: NodeJS.Platform): string[] {
  const own = files.filter((f) => f.shell === shell);
  const login = platform === 'darwin';
  const read: string[] = [];
  const firstLogin = own.find((f) => f.role === 'login' && f.exists);
  for (const f of own) {
    if (f.role === 'all' || f.role === 'interactive') read.push(f.path);
    else if (login && (shell !== 'bash' || f === firstLogin)) read.push(f.path);
  }
  return read;
}

/** This process's environment as a new terminal would change it. */
export function newTerminalEnv(env: Readonly<Record<string, string | undefined>>, scan: StartupScan) {
  const result: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(scan.newTerminal)) if (value !== null) result[name] = value;
  return result;
}
