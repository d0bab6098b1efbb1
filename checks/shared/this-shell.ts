import { manualFix } from '../../src/engine/outcome.ts';
import type { CheckContext, Fix } from '../../src/engine/types.ts';
import { quote } from '../../src/quote.ts';
import { selfCommand } from '../../src/self.ts';
import { doctorDataDir } from '../../src/trust/locations.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The variables among `names` that a new terminal sets otherwise than this shell has them. */
export function differing(thisShell: Env, terminal: Env, names: readonly string[]): string[] {
  return names.filter((name) => (thisShell[name] ?? '') !== (terminal[name] ?? ''));
}

/**
 * How to give this shell what a new terminal gets: `eval "$(eliza-doctor env)"` when the values
 * are fix's own install (env prints exactly those), else the export lines of the values themselves.
 */
export function loadHereFix(ctx: CheckContext, terminal: Env, names: readonly string[]): Fix {
  const ours = `${doctorDataDir(ctx.host)}/`;
  const set = names.filter((name) => terminal[name] !== undefined);
  const load = set.every((name) => terminal[name]!.startsWith(ours))
    ? [`eval "$(${selfCommand(ctx.config.invocation, ['env'], false)})"`]
    : set.map((name) => `export ${name}=${quote(terminal[name]!)}`);
  return manualFix('open a new terminal, or load the settings into this shell', load);
}
