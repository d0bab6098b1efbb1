import kleur from 'kleur';
import type { Io } from '../cli/io.ts';
import type { Check, CheckResult } from '../engine/types.ts';
import { checkLine, statusLine, type TextStyle } from './text.ts';

export interface LiveView {
  finished(result: CheckResult): void;
  /** Resolves once the view has drawn its last frame. */
  done(): Promise<void>;
}

/**
 * On a terminal, a listr2 view of the engine's events (listr2 holds no state of the run, it only
 * draws it). Elsewhere, and under CI, one plain line per check as it finishes: listr2's simple
 * renderer would also print a line as each check starts, doubling a CI log for nothing.
 */
export async function startLiveView(
  checks: readonly Check[],
  fancy: boolean,
  io: Io,
  style: TextStyle,
): Promise<LiveView> {
  if (!fancy) return plainLines(io, style);
  const { Listr } = await import('listr2');
  const waiting = new Map<string, (result: CheckResult) => void>();
  const promises = new Map(
    checks.map((c) => [c.id, new Promise<CheckResult>((resolve) => waiting.set(c.id, resolve))] as const),
  );
  const list = new Listr(
    checks.map((check) => ({
      title: check.title,
      task: async (_: unknown, task: { title: string; skip(message?: string): void }) => {
        const result = await promises.get(check.id)!;
        // listr2 indents a title and wraps a little before the edge: leave it room.
        const line = checkLine(result, { ...style, width: style.width === null ? null : style.width - 6 });
        // listr2 shows a failed task by its error's message.
        if (result.status === 'fail') throw new Error(line);
        if (result.status === 'skip') return task.skip(line);
        // listr2 has no warning state: a finished task keeps its tick, and a warning its colour and code.
        task.title = result.status === 'warn' ? kleur.yellow(line) : line;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseSkips: true, collapseErrors: true },
    },
  );
  const running = list.run().catch(() => undefined);
  return {
    finished(result) {
      waiting.get(result.id)?.(result);
    },
    async done() {
      await running;
    },
  };
}

function plainLines(io: Io, style: TextStyle): LiveView {
  return {
    finished(result) {
      io.out(`${statusLine(result, style)}\n`);
    },
    async done() {},
  };
}
