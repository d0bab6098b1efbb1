import { randomBytes } from 'node:crypto';
import { TOKEN_VARIABLES } from '../config.ts';
import { PROGRAM_START_ALLOWANCE_MS } from '../engine/allowance.ts';
import type { Host } from '../host.ts';
import { quote } from '../quote.ts';
import type { Assignment, Construct, ShellKind } from './shell.ts';
import { TRUST_VARIABLES } from './shell.ts';
import {
  newTerminalEnv,
  type ParsedView,
  parsedView,
  type StartupScan,
  scanStartup,
  shown,
} from './startup.ts';

/**
 * A new terminal's environment, asked of the shells themselves the way VS Code resolves a shell
 * environment: each shell started as a new terminal starts it, printing the trust variables
 * between markers. Reading the startup files stays as the explanation (which file and line) and
 * as the fallback where a shell is missing, times out or fails.
 */

export type ShellStatus = 'ok' | 'missing' | 'timeout' | 'failed';

export interface ShellAnswer {
  shell: ShellKind;
  /** The executable started; null when not installed. */
  path: string | null;
  /** Started as a login shell (macOS's Terminal, ssh) or as an interactive one (Linux terminals). */
  login: boolean;
  status: ShellStatus;
  /** Why it did not answer, for the details. */
  note: string | null;
  /** Each trust variable as that shell exports it to the programs it starts; null when unset. */
  values: Record<string, string | null>;
  /** Variables the shell sets without exporting them: programs it starts do not see them. */
  unexported: string[];
  ms: number;
}

export interface Disagreement {
  name: string;
  shell: string | null;
  files: string | null;
  /** What the reading of the files could not follow: the likely reason. */
  unfollowed: Construct[];
}

export interface NewTerminal {
  scan: StartupScan;
  loginShell: ShellKind;
  /** A new terminal here starts a login shell. */
  login: boolean;
  /** The login shell as a new terminal starts it first, then its other kind, then the other shells. */
  answers: ShellAnswer[];
  /** The view comes from the login shell itself, or (it did not answer) from its startup files. */
  source: 'shell' | 'startup-files';
  /** This process's environment with the trust variables a new terminal has. */
  env: Record<string, string | undefined>;
  /** Where NODE_EXTRA_CA_CERTS comes from, per the files (the shell does not say). */
  from: Assignment | null;
  /** Variables where the shell and the reading of its files disagree: the shell wins. */
  disagreements: Disagreement[];
  /** One line each: a shell that did not answer, the fallback taken. */
  notes: string[];
}

/** A new terminal whose start-up takes longer than this is reported as such, not waited for. */
export const SHELL_BOUND_MS = 5000;

/**
 * The bound on one shell's start-up: SHELL_BOUND_MS, at most --timeout, but never below the
 * allowance for starting a program (a loaded machine starts a shell slowly whatever --timeout says).
 */
export function shellBoundMs(timeoutMs: number): number {
  return Math.min(SHELL_BOUND_MS, Math.max(timeoutMs, PROGRAM_START_ALLOWANCE_MS));
}

const answers = new WeakMap<Host, Promise<NewTerminal>>();

/**
 * One resolution per Host (one per run), started as early as the run knows a trust check will need
 * it; the shells run concurrently, each bounded, and signal kills them all (Ctrl-C).
 */
export function resolveNewTerminal(
  host: Host,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<NewTerminal> {
  let answer = answers.get(host);
  if (!answer) {
    answer = resolve(host, shellBoundMs(options.timeoutMs), options.signal);
    answers.set(host, answer);
  }
  return answer;
}

/**
 * A probe that needs a new terminal's environment, without waiting for the shells: it runs at once
 * with the environment the startup files give, and again only if the shells then say otherwise
 * (rare), so asking the shells does not lengthen the check.
 */
export async function probeNewTerminal<T>(
  host: Host,
  timeoutMs: number,
  probe: (env: Record<string, string | undefined>) => Promise<T>,
): Promise<{ terminal: NewTerminal; result: T }> {
  const guess = newTerminalEnv(host.env, await scanStartup(host));
  const [terminal, early] = await Promise.all([resolveNewTerminal(host, { timeoutMs }), probe(guess)]);
  const same = TRUST_VARIABLES.every((name) => terminal.env[name] === guess[name]);
  return { terminal, result: same ? early : await probe(terminal.env) };
}

async function resolve(host: Host, boundMs: number, signal: AbortSignal | undefined): Promise<NewTerminal> {
  const scanning = scanStartup(host);
  const login = (await scanning).login;
  const loginShell = (await scanning).loginShell;
  const scan = await scanning;
  // A shell writes its own files as it starts (fish its history folder): another shell is asked
  // only where the user configures it, and none as root in a HOME that is not root's (sudo -E).
  const configured = (shell: ShellKind) => scan.files.some((f) => f.shell === shell && f.exists);
  const foreign = await homeOfAnotherUser(host);
  const runs: { shell: ShellKind; login: boolean }[] = [
    { shell: loginShell, login },
    { shell: loginShell, login: !login },
    ...(['bash', 'zsh', 'fish'] as const)
      .filter((s) => s !== loginShell && configured(s))
      .map((shell) => ({ shell, login })),
  ];
  const asked = await Promise.all(
    runs.map(async (run) => {
      if (!foreign)
        return askShell(host, run.shell, run.login, await executable(host, run.shell), boundMs, signal);
      const skipped = await askShell(host, run.shell, run.login, null, boundMs, signal);
      return { ...skipped, note: 'not asked: as root, in a HOME that belongs to another user' };
    }),
  );
  // A shell the user neither has installed nor configures says nothing worth a line.
  const answersKept = asked.filter(
    (a, i) => i < 2 || a.status !== 'missing' || scan.shells.includes(a.shell),
  );
  const primary = asked[0]!;
  const view = parsedView(scan, loginShell, login);
  const parsedEnv = newTerminalEnv(host.env, scan);
  const notes: string[] = [];
  let env: Record<string, string | undefined>;
  let disagreements: Disagreement[] = [];
  if (primary.status === 'ok') {
    env = { ...host.env };
    for (const name of TRUST_VARIABLES) {
      const value = primary.values[name];
      if (value === null || value === undefined) delete env[name];
      else env[name] = value;
    }
    disagreements = disagree(primary, view, parsedEnv);
  } else {
    env = parsedEnv;
    notes.push(
      `${describeRun(primary)} ${primary.note}: the new-terminal view comes from reading its startup files instead`,
    );
    const unsure = view.constructs.filter((c) => unfollowedFor('NODE_EXTRA_CA_CERTS', c));
    if (unsure.length)
      notes.push(
        `that reading may be wrong: ${unsure
          .slice(0, 3)
          .map((c) => describeConstruct(c, host.home))
          .join(', ')}`,
      );
  }
  for (const other of answersKept.slice(1)) {
    if (other.status === 'timeout' || other.status === 'failed')
      notes.push(`${describeRun(other)} ${other.note}`);
  }
  return {
    scan,
    loginShell,
    login,
    answers: answersKept,
    source: primary.status === 'ok' ? 'shell' : 'startup-files',
    env,
    from: scan.newTerminalFrom,
    disagreements,
    notes,
  };
}

/** Where the shell got another value than the reading of its files, and what the reading could not follow. */
function disagree(
  answer: ShellAnswer,
  view: ParsedView,
  parsedEnv: Record<string, string | undefined>,
): Disagreement[] {
  const found: Disagreement[] = [];
  for (const name of TRUST_VARIABLES) {
    const shellValue = answer.values[name] ?? null;
    const fileValue = parsedEnv[name] ?? null;
    // A CR the reading drops is the CRLF line endings, reported as such.
    if (shellValue === fileValue || shellValue?.replace(/\r/g, '') === fileValue) continue;
    const unfollowed = view.constructs.filter((c) => unfollowedFor(name, c));
    found.push({ name, shell: shellValue, files: fileValue, unfollowed });
  }
  return found;
}

/** What may make the reading of the files wrong about this variable. */
function unfollowedFor(name: string, c: Construct): boolean {
  return (
    (c.kind === 'source' && c.target === null) ||
    c.kind === 'loop' ||
    (c.name === name && c.kind !== 'source')
  );
}

function describeConstruct(c: Construct, home: string): string {
  return `${shown(home, c.file)}:${c.line} (${constructText(c)})`;
}

/** `bash -i`, `zsh -l -i`: how the shell was started, as a person would type it. */
export function describeRun(answer: Pick<ShellAnswer, 'shell' | 'login'>): string {
  return `${answer.shell} ${answer.login ? '-l -i' : '-i'}`;
}

/** One line for the details: what the reading of the files missed. */
export function describeDisagreement(d: Disagreement, shell: string, home: string): string {
  const value = (v: string | null) => (v === null ? 'unset' : JSON.stringify(v));
  const reasons = d.unfollowed
    .slice(0, 3)
    .map((c) => `${shown(home, c.file)}:${c.line} (${constructText(c)})`);
  const why = reasons.length
    ? `the doctor's reading of the files cannot follow ${reasons.join(', ')}`
    : 'something the reading of the files cannot follow (a plugin, a command, a system file) sets it';
  return `${d.name}: ${shell} has ${value(d.shell)}, its startup files read alone give ${value(d.files)}; the shell is right: ${why}`;
}

function constructText(c: Construct): string {
  switch (c.kind) {
    case 'source':
      return `sources ${c.text.match(/(?:\.|source)\s+(\S+)/)?.[1] ?? 'a file'} whose name is computed`;
    case 'loop':
      return 'a loop';
    case 'conditional':
      return `sets it under a condition`;
    case 'computed':
      return 'builds the value from other variables or a command';
    case 'unset':
      return 'unsets it';
  }
}

/** The shell's path: $SHELL itself for the login shell when it is that shell, else the one on PATH. */
async function executable(host: Host, shell: ShellKind): Promise<string | null> {
  const login = host.env.SHELL;
  if (login?.startsWith('/') && login.split('/').at(-1) === shell) {
    const isFile = await host.stat(login).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) return login;
  }
  return host.findExecutable(shell);
}

/**
 * What the shell starts with: this environment (a new terminal inherits the session's), HOME, a
 * dumb terminal, and no token: the shell needs none to say what it exports, and a startup file
 * tracing itself (set -x) must not carry it into a note.
 */
function shellEnv(host: Host): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...host.env, HOME: host.home, TERM: 'dumb' };
  for (const name of TOKEN_VARIABLES) delete env[name];
  return env;
}

/** Lines the shells print on stderr without a terminal, which say nothing about the start-up. */
const NOISE =
  /cannot set terminal process group|no job control in this shell|can't change option: zle|Inappropriate ioctl|^warning: No TTY for interactive shell|^\s*$/;

/** Root, with the HOME of another user: starting that user's shells would leave root's files there. */
async function homeOfAnotherUser(host: Host): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const owner = await host.stat(host.home).then(
    (s) => (s as { uid?: number }).uid,
    () => undefined,
  );
  return typeof owner === 'number' && owner !== 0;
}

export async function askShell(
  host: Host,
  shell: ShellKind,
  login: boolean,
  file: string | null,
  boundMs: number,
  signal?: AbortSignal,
): Promise<ShellAnswer> {
  const answer: ShellAnswer = {
    shell,
    path: file,
    login,
    status: 'missing',
    note: 'is not installed',
    values: {},
    unexported: [],
    ms: 0,
  };
  if (!file) return answer;
  const marker = `eliza-doctor-${randomBytes(12).toString('hex')}`;
  const started = performance.now();
  const result = await host.exec(file, [...(login ? ['-l'] : []), '-i', '-c', printScript(marker, shell)], {
    env: shellEnv(host),
    cwd: host.home,
    timeoutMs: boundMs,
    session: true,
    ...(signal ? { signal } : {}),
  });
  answer.ms = Math.round(performance.now() - started);
  const parsed = parseMarked(result.stdout, marker);
  if (parsed) return { ...answer, status: 'ok', note: null, ...parsed };
  if (result.timedOut) {
    return {
      ...answer,
      status: signal?.aborted ? 'failed' : 'timeout',
      note: signal?.aborted
        ? 'was stopped (the run was interrupted)'
        : `did not finish starting within ${boundMs} ms (a startup file waits for something?)`,
    };
  }
  if (result.error) return { ...answer, status: 'failed', note: `could not be started (${result.error})` };
  const said = result.stderr
    .split('\n')
    .filter((l) => !NOISE.test(l))
    .at(-1)
    ?.trim()
    .slice(0, 160);
  return {
    ...answer,
    status: 'failed',
    note: `exited (code ${result.code}) before printing its environment (an exec or exit in a startup file?)${said ? `: ${said}` : ''}`,
  };
}

/**
 * The command the shell runs once started: for each variable, whether it is exported (what a
 * program started from that shell gets; fish joins a list with spaces, as it exports it) and its
 * value, with the shell's own builtins only: no program to start, nothing a startup file's aliases,
 * functions or PATH can replace. Values may hold newlines: each comes after its own marker line.
 */
function printScript(marker: string, shell: ShellKind): string {
  const say = (text: string, value = '') => `builtin printf '%s\\n' ${quote(`${marker}:${text}`)}${value}`;
  const each = TRUST_VARIABLES.map((name) => {
    const exported = say(`var:${name}`, ` "$${name}"`);
    const local = say(`local:${name}`);
    switch (shell) {
      case 'bash':
        return `case $__eliza_doctor_exported in *$'\\n'${name}$'\\n'*) ${exported};; *) if [ -n "\${${name}+x}" ]; then ${local}; fi;; esac`;
      case 'zsh':
        return `if (( \${+${name}} )); then if [[ \${(t)${name}} == *export* ]]; then ${exported}; else ${local}; fi; fi`;
      default:
        return `if set -qx ${name}; ${exported}; else if set -q ${name}; ${local}; end`;
    }
  });
  // bash has no test for "exported" before 4.4 (macOS ships 3.2): it lists the exported names.
  const prelude = shell === 'bash' ? [`__eliza_doctor_exported=$'\\n'"$(compgen -e)"$'\\n'`] : [];
  return [say('begin'), ...prelude, ...each, say('end')].join('; ');
}

/** The variables between the markers; null when the end marker never came (the shell did not get there). */
export function parseMarked(
  stdout: string,
  marker: string,
): { values: Record<string, string | null>; unexported: string[] } | null {
  const begin = stdout.indexOf(`${marker}:begin\n`);
  if (begin < 0) return null;
  const end = stdout.indexOf(`${marker}:end\n`, begin);
  if (end < 0) return null;
  const values: Record<string, string | null> = Object.fromEntries(TRUST_VARIABLES.map((n) => [n, null]));
  const unexported: string[] = [];
  const parts = stdout
    .slice(begin, end + marker.length + 1)
    .split(`\n${marker}:`)
    .slice(1);
  for (const part of parts) {
    const match = /^(var|local):([A-Za-z_][A-Za-z0-9_]*)(?:\n([\s\S]*))?$/.exec(part);
    if (!match) continue;
    if (match[1] === 'local') unexported.push(match[2]!);
    else values[match[2]!] = match[3] ?? '';
  }
  return { values, unexported };
}
