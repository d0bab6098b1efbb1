import path from 'node:path';
import type { Io } from './cli/io.ts';
import type { Invocation } from './config.ts';
import { shellCommand } from './quote.ts';

/**
 * The words that start this doctor: `eliza-doctor` when it runs from the installed command,
 * else `node` and its script as this run named it (relative to the folder when inside it).
 */
export function selfWords(self: Io['self'], cwd: string): string[] {
  if (path.basename(self.script) === 'eliza-doctor') return ['eliza-doctor'];
  const relative = path.relative(cwd, self.script);
  const script =
    relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : self.script;
  return ['node', script];
}

/**
 * A command that runs the doctor again, ready to paste: e.g. `eliza-doctor fix --ca-file x.pem`.
 * `target: false` for subcommands that take no target options (env).
 */
export function selfCommand(invocation: Invocation, words: string[], target = true): string {
  // The run's options come as flag-value pairs; one the words give anew is not repeated.
  const kept: string[] = [];
  for (let i = 0; target && i < invocation.args.length; i += 2) {
    const [flag, value] = [invocation.args[i]!, invocation.args[i + 1]!];
    if (!words.includes(flag)) kept.push(flag, value);
  }
  return shellCommand([...invocation.command, ...words, ...kept]);
}
