/**
 * Every flag, once: yargs' options, the options type each command gets, and the command line
 * re-made from options (for a child run, and for commands printed "as this run was invoked")
 * all come from this table.
 */
import type { Argv } from 'yargs';
import { ConfigError } from '../config.ts';

interface FlagSpec {
  flag: string;
  /** `list`: repeatable, each use adds a value. Every other flag may be given once. */
  type: 'string' | 'boolean' | 'list';
  describe: string;
  alias?: string;
  choices?: readonly string[];
  /** Never written back into a command line (it would land in shell history and `ps`). */
  secret?: boolean;
}

export const FLAGS = {
  baseUrl: {
    flag: 'base-url',
    type: 'string',
    describe: 'gateway root [default: $ELIZA_BASE_URL or https://api.eliza.yandex.net]',
  },
  token: {
    flag: 'token',
    type: 'string',
    describe: 'OAuth token (visible in shell history and ps: prefer --token-file or $ELIZA_TOKEN)',
    secret: true,
  },
  tokenFile: { flag: 'token-file', type: 'string', describe: 'read the token from this file' },
  pool: {
    flag: 'pool',
    type: 'string',
    describe: 'team pool, sent as Ya-Pool [default: $ELIZA_POOL or $YA_POOL]',
  },
  model: { flag: 'model', type: 'string', describe: 'model for the round trip [default: gpt-5-mini]' },
  resolve: { flag: 'resolve', type: 'list', describe: 'HOST:PORT:ADDR, connect there instead (repeatable)' },
  caUrl: { flag: 'ca-url', type: 'string', describe: 'where to fetch the internal CA bundle' },
  caFile: { flag: 'ca-file', type: 'string', describe: 'use this PEM bundle as the internal CA' },
  caSha256: { flag: 'ca-sha256', type: 'list', describe: 'SHA-256 of a trusted internal root (repeatable)' },
  offline: {
    flag: 'offline',
    type: 'boolean',
    describe: 'run only what needs no network; say the rest was not checked',
  },
  timeout: {
    flag: 'timeout',
    type: 'string',
    describe: 'bound on each network operation, ms [default: 5000]',
  },
  only: { flag: 'only', type: 'string', describe: 'comma-separated check ids to report' },
  skip: { flag: 'skip', type: 'string', describe: 'comma-separated check ids to leave out' },
  json: { flag: 'json', type: 'boolean', describe: 'print one JSON document on stdout' },
  strict: { flag: 'strict', type: 'boolean', describe: 'warnings fail the run' },
  verbose: {
    flag: 'verbose',
    alias: 'v',
    type: 'boolean',
    describe: 'pass lines with their details, and every detail',
  },
  junit: { flag: 'junit', type: 'string', describe: 'also write JUnit XML here (one test case per check)' },
  report: {
    flag: 'report',
    type: 'string',
    describe: 'also write a Markdown report for a support ticket here',
  },
  yes: { flag: 'yes', alias: 'y', type: 'boolean', describe: 'apply without asking' },
  dryRun: { flag: 'dry-run', type: 'boolean', describe: 'show every change as a diff and change nothing' },
  system: {
    flag: 'system',
    type: 'boolean',
    describe: 'add the CA to the OS store instead of your HOME (needs root)',
  },
  undo: { flag: 'undo', type: 'boolean', describe: 'remove what fix added and restore the files' },
  shell: {
    flag: 'shell',
    type: 'string',
    choices: ['bash', 'zsh', 'fish', 'github'],
    describe: 'syntax [default: from $SHELL]; github: NAME=value lines for >> "$GITHUB_ENV"',
  },
  long: { flag: 'long', type: 'boolean', describe: 'a third column: network or offline' },
  base: {
    flag: 'base',
    type: 'string',
    choices: ['debian', 'alpine', 'rhel'],
    describe: "the image's base [default: this machine's, by /etc/os-release]",
  },
  devcontainer: {
    flag: 'devcontainer',
    type: 'boolean',
    describe: "print devcontainer.json's containerEnv instead",
  },
  scenario: {
    flag: 'scenario',
    type: 'string',
    describe: 'what the loopback gateway stages [default: healthy]',
  },
  rtt: {
    flag: 'rtt',
    type: 'string',
    describe: 'put the loopback gateway this many ms of round trip away (a delaying relay) [default: 0]',
  },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

type ValueOf<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'list'
    ? string[]
    : string;

/** What a command gets: each of its flags, when given. */
export type Options<K extends FlagName> = { [P in K]?: ValueOf<(typeof FLAGS)[P]> };

/** Where the gateway and the CA are, and who asks: what `check`, `fix` and their child runs share. */
export const TARGET_FLAGS = [
  'baseUrl',
  'token',
  'tokenFile',
  'pool',
  'model',
  'resolve',
  'caUrl',
  'caFile',
  'caSha256',
  'offline',
] as const satisfies readonly FlagName[];
/** Which checks, how long, and how the result is given: what `check` and `demo` share. */
export const RUN_FLAGS = [
  'timeout',
  'only',
  'skip',
  'json',
  'strict',
  'verbose',
] as const satisfies readonly FlagName[];
export const REPORT_FLAGS = ['junit', 'report'] as const satisfies readonly FlagName[];
export const FIX_FLAGS = ['yes', 'dryRun', 'system', 'undo'] as const satisfies readonly FlagName[];

export function declareFlags<T>(
  y: Argv<T>,
  names: readonly FlagName[],
  choices: Partial<Record<FlagName, readonly string[]>> = {},
): Argv<T> {
  let parser = y;
  for (const name of names) {
    const spec: FlagSpec = FLAGS[name];
    const allowed = choices[name] ?? spec.choices;
    parser = parser.option(spec.flag, {
      type: spec.type === 'list' ? 'string' : spec.type,
      ...(spec.type === 'list' ? { array: true } : {}),
      ...(spec.alias ? { alias: spec.alias } : {}),
      ...(allowed ? { choices: [...allowed] } : {}),
      describe: spec.describe,
    }) as Argv<T>;
  }
  return parser;
}

/** The command's options from yargs' argv, typed; a flag that may be given once and came twice is a usage error. */
export function readFlags<K extends FlagName>(
  argv: Record<string, unknown>,
  names: readonly K[],
): Options<K> {
  const options: Partial<Record<FlagName, unknown>> = {};
  for (const name of names) {
    const spec: FlagSpec = FLAGS[name];
    const value = argv[name];
    if (value === undefined) continue;
    if (spec.type !== 'list' && Array.isArray(value))
      throw new ConfigError(`--${spec.flag} is given more than once`);
    options[name] = value;
  }
  return options as Options<K>;
}

/** The command line that gives these options again (secret ones left out), for a child run or a printed command. */
export function toArgs(options: Options<FlagName>, names: readonly FlagName[]): string[] {
  const args: string[] = [];
  for (const name of names) {
    const spec: FlagSpec = FLAGS[name];
    const value = options[name];
    if (value === undefined || spec.secret) continue;
    if (typeof value === 'boolean') {
      if (value) args.push(`--${spec.flag}`);
    } else {
      for (const v of Array.isArray(value) ? value : [value]) args.push(`--${spec.flag}`, v);
    }
  }
  return args;
}
