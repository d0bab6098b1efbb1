import yargs from 'yargs';
import type { Command } from './cli/command.ts';
import { declareFlags } from './cli/flags.ts';
import type { Io } from './cli/io.ts';
import { checkCommand } from './commands/check.ts';
import { demoCommand } from './commands/demo.ts';
import { envCommand } from './commands/env.ts';
import { fixCommand } from './commands/fix.ts';
import { listCommand } from './commands/list.ts';
import { ConfigError } from './config.ts';
import { processIo } from './report/output.ts';
import { VERSION } from './version.ts';

const COMMANDS: Command[] = [checkCommand, fixCommand, envCommand, listCommand, demoCommand];

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
  );
  for (const [command, description] of EXAMPLES) parser = parser.example(command, description);
  await parser
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error instanceof ConfigError || !error ? new ConfigError(message || String(error)) : error;
    })
    .parseAsync();
  return exitCode;
}

/** Runs the whole CLI; the exit code goes to process.exitCode (the only place that sets it). */
export function run(args: string[]): Promise<void> {
  const io = processIo();
  return main(args, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        const oneLine = error.message.replace(/\s*\n\s*/g, ' ');
        io.err(`eliza-doctor: ${oneLine}\nRun eliza-doctor --help for usage.\n`);
        process.exitCode = 2;
        return;
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      io.err(
        `eliza-doctor: internal error: ${message}\nThis is a bug in eliza-doctor ${VERSION}; please report it to its maintainers with this message.\n`,
      );
      if (process.env.ELIZA_DOCTOR_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
      process.exitCode = 3;
    },
  );
}
