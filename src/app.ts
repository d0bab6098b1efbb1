import yargs from 'yargs';
import type { Command } from './cli/command.ts';
import { declareFlags, FLAGS } from './cli/flags.ts';
import type { Io } from './cli/io.ts';
import { checkCommand } from './commands/check.ts';
import { demoCommand } from './commands/demo.ts';
import { dockerfileCommand } from './commands/dockerfile.ts';
import { envCommand } from './commands/env.ts';
import { fixCommand } from './commands/fix.ts';
import { listCommand } from './commands/list.ts';
import { setupCommand } from './commands/setup.ts';
import { ConfigError } from './config.ts';
import { registry } from './doctor.ts';
import { flushOutput, processIo } from './report/output.ts';
import { closest, distance } from './similar.ts';
import { VERSION } from './version.ts';

const COMMANDS: Command[] = [
  checkCommand,
  fixCommand,
  envCommand,
  dockerfileCommand,
  setupCommand,
  listCommand,
  demoCommand,
];

const EXAMPLES: [string, string][] = [
  ['$0', 'diagnose with the token from $ELIZA_TOKEN / $SOY_TOKEN'],
  ['$0 --json --strict', 'a CI preflight: one JSON document, warnings fail'],
  ['$0 --only tls,trust-node', 'just the certificate checks'],
  ['$0 fix --dry-run', 'see what fixing the internal CA would change, as a diff'],
  ['$0 fix --yes', 'install the internal CA for Node, Python, curl and git, then prove it'],
  ['eval "$($0 env)"', 'load the fixed settings into the current shell'],
  [
    '$0 --json --junit report.xml --report eliza.md',
    'CI: JSON on stdout, JUnit and a Markdown report beside it',
  ],
  ['$0 --report eliza.md', 'a report to paste into a support ticket (secrets hidden)'],
  ['$0 --offline', 'only what needs no network: environment, CA files, insecure settings'],
  ['$0 --resolve api.eliza.yandex.net:443:10.0.0.5', 'test one gateway address, as curl --resolve'],
  ['$0 demo --scenario untrusted-ca', 'see what a missing internal CA looks like'],
];

/** The command the words name (check when none), and its flags, for completion and suggestions. */
function commandOf(words: string[]): Command {
  return COMMANDS.find((c) => c.names.some((n) => words.includes(n.split(' ')[0]!))) ?? checkCommand;
}

function flagsOf(words: string[]): string[] {
  return commandOf(words).flags.map((name) => `--${FLAGS[name].flag}`);
}

/** Check ids after --only/--skip (comma-separated: the last one is completed); null: yargs' own. */
function completeWords(words: string[], current: string): string[] | null {
  const previous = words.at(-2);
  if (previous !== '--only' && previous !== '--skip') return null;
  const done = current.split(',');
  const partial = done.pop() ?? '';
  const head = done.length ? `${done.join(',')},` : '';
  return registry
    .map((c) => c.id)
    .filter((id) => id.startsWith(partial) && !done.includes(id))
    .map((id) => head + id);
}

/** "did you mean" for an unknown word: the closest command or flag, when it is close. */
function suggestion(message: string): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message)?.[1];
  if (!unknown) return message;
  const candidates = [
    ...COMMANDS.flatMap((c) => c.names.filter((n) => n !== '$0').map((n) => n.split(' ')[0]!)),
    ...Object.values(FLAGS).map((f) => `--${f.flag}`),
  ];
  const words = unknown.split(', ');
  // A flag of another command (fix --json): say whose it is rather than guess.
  const owner = (word: string) =>
    COMMANDS.find((c) => c.flags.some((name) => FLAGS[name].flag === word.replace(/^-+/, '')));
  for (const word of words) {
    const command = owner(word);
    if (command)
      return `--${word.replace(/^-+/, '')} is not an option of this command; it belongs to ${command.names[0]!.split(' ')[0]}`;
  }
  const hints = words.flatMap((word) => {
    const bare = word.replace(/^-+/, '');
    const [best] = closest(
      bare,
      candidates.map((c) => c.replace(/^--/, '')),
    );
    if (!best || distance(bare, best) > Math.max(2, Math.floor(bare.length / 3))) return [];
    return [candidates.find((c) => c.replace(/^--/, '') === best)!];
  });
  return hints.length ? `${message} (did you mean ${hints.join(', ')}?)` : message;
}

export async function main(args: string[], io: Io): Promise<number> {
  let exitCode = 0;
  let parser = yargs(args)
    .scriptName('eliza-doctor')
    .usage(
      '$0 [command] [options]\n\nDiagnoses access to Eliza, the internal LLM API gateway, and says how to fix what is wrong.',
    );
  for (const command of COMMANDS) {
    parser = parser.command(
      command.names,
      command.describe,
      (y) => {
        const built = declareFlags(y, command.flags, command.choices);
        return command.configure(command.epilogue ? built.epilogue(command.epilogue) : built);
      },
      async (argv) => {
        exitCode = await command.invoke(argv, io);
      },
    );
  }
  parser = parser.completion(
    'completion',
    'print a completion script for bash or zsh: eliza-doctor completion >> ~/.bashrc',
    (
      current: string,
      _argv: unknown,
      completionFilter: (then: (error: Error | null, completions: string[] | undefined) => void) => void,
      done: (completions: string[]) => void,
    ) => {
      const words = args.slice(args.indexOf('--get-yargs-completions') + 2);
      const answer = completeWords(words, current);
      if (answer) return done(answer);
      completionFilter((_error, defaults) => done([...new Set([...(defaults ?? []), ...flagsOf(words)])]));
    },
  );
  // Examples as a block of their own: yargs' two columns would break a long command in the middle.
  parser = parser.epilogue(
    `Examples:\n${EXAMPLES.map(([command, what]) => `  $ ${command.replace('$0', 'eliza-doctor')}\n      ${what}`).join('\n')}`,
  );
  await parser
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || Number(process.env.COLUMNS) || 80))
    .fail((message, error) => {
      if (error instanceof ConfigError) throw error;
      if (!error) throw new ConfigError(suggestion(message || 'invalid usage'));
      throw error;
    })
    .parseAsync();
  return exitCode;
}

/** Runs the whole CLI; the exit code goes to process.exitCode (the only place that sets it). */
export async function run(args: string[]): Promise<void> {
  const io = processIo(args);
  process.exitCode = await main(args, io).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      const oneLine = error.message.replace(/\s*\n\s*/g, ' ');
      io.err(`eliza-doctor: ${oneLine}\nRun eliza-doctor --help for usage.\n`);
      return 2;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(
      `eliza-doctor: internal error: ${message}\nThis is a bug in eliza-doctor ${VERSION}; please report it to its maintainers with this message.\n`,
    );
    if (process.env.ELIZA_DOCTOR_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
    return 3;
  });
  // Everything is written before the process leaves: a report that could not be (a full disk
  // under `> report.json`) must not pass for one that was.
  const unwritable = await flushOutput();
  if (unwritable) {
    io.err(`eliza-doctor: ${unwritable}\n`);
    process.exitCode = 3;
  }
}
