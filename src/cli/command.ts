import type { Argv } from 'yargs';
import { type FlagName, type Options, readFlags } from './flags.ts';
import type { Io } from './io.ts';

export interface CommandSpec<K extends FlagName> {
  /** The first is the command's name; `$0` makes it the default. */
  names: string[];
  describe: string;
  flags: readonly K[];
  /** Allowed values known only at run time (the demo's scenarios). */
  choices?: Partial<Record<K, readonly string[]>>;
  epilogue?: string;
  /** Extra yargs rules (conflicts between flags). */
  configure?(y: Argv): Argv;
  run(options: Options<K>, io: Io): Promise<number>;
}

/** A command as the CLI table holds it: its options are read from argv by its own flag list. */
export interface Command {
  names: string[];
  describe: string;
  flags: readonly FlagName[];
  choices: Partial<Record<FlagName, readonly string[]>>;
  epilogue: string | null;
  configure(y: Argv): Argv;
  invoke(argv: Record<string, unknown>, io: Io): Promise<number>;
}

export function defineCommand<K extends FlagName>(spec: CommandSpec<K>): Command {
  return {
    names: spec.names,
    describe: spec.describe,
    flags: spec.flags,
    choices: spec.choices ?? {},
    epilogue: spec.epilogue ?? null,
    configure: spec.configure ?? ((y) => y),
    invoke: (argv, io) => spec.run(readFlags(argv, spec.flags), io),
  };
}
