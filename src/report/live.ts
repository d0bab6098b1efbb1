import kleur from 'kleur';
import type { ListrDefaultRenderer, ListrSimpleRenderer, ListrTaskWrapper } from 'listr2';
import type { Io } from '../cli/io.ts';
import type { Check, CheckResult } from '../engine/types.ts';
import { checkLine, fitLine, paint, statusLine, type TextStyle } from './text.ts';

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
  if (!fancy) return plainLines(checks, io, style);
  const { Listr } = await import('listr2');
  const waiting = new Map<string, (result: CheckResult) => void>();
  const promises = new Map(
    checks.map((c) => [c.id, new Promise<CheckResult>((resolve) => waiting.set(c.id, resolve))] as const),
  );
  // listr2 indents a title and wraps a little before the edge: leave it room.
  const narrow = { ...style, width: style.width === null ? null : style.width - 6 };
  const show = (result: CheckResult, task: ListrTask): void => {
    const line = checkLine(result, narrow);
    // listr2 shows a failed task by its error's message.
    if (result.status === 'fail') throw new Error(line);
    if (result.status === 'skip') task.skip(line);
    // listr2 has no warning state: a finished task keeps its tick, and a warning its colour and code.
    else task.title = result.status === 'warn' ? kleur.yellow(line) : line;
  };
  const clients = checks.filter(isClientCheck);
  const tasks: { title: string; task: (ctx: unknown, task: ListrTask) => Promise<unknown> }[] = checks
    .filter((c) => !isClientCheck(c))
    .map((check) => ({
      title: check.title,
      task: async (_: unknown, task: ListrTask) => show(await promises.get(check.id)!, task),
    }));
  if (clients.length > 0) {
    // The clients not on this machine make one line, not one each: they are not news.
    tasks.push({
      title: 'AI clients',
      task: async (_: unknown, task: ListrTask) => {
        const results = await Promise.all(clients.map((c) => promises.get(c.id)!));
        const absent = results.filter(notFound);
        const present = results.filter((r) => !notFound(r));
        if (present.length === 0) return task.skip(absentLine(absent, narrow));
        task.title = absent.length > 0 ? absentLine(absent, narrow) : 'AI clients';
        return task.newListr(
          present.map((result) => ({
            title: result.title,
            task: (_: unknown, sub: ListrTask) => show(result, sub),
          })),
          { concurrent: true, exitOnError: false },
        );
      },
    });
  }
  const list = new Listr(tasks, {
    concurrent: true,
    exitOnError: false,
    registerSignalListeners: false,
    renderer: 'default',
    rendererOptions: { collapseSkips: true, collapseErrors: true },
  });
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

type ListrTask = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

function plainLines(checks: readonly Check[], io: Io, style: TextStyle): LiveView {
  const order = checks.filter(isClientCheck).map((c) => c.id);
  const clients = new Set(order);
  const absent: CheckResult[] = [];
  let clientsLeft = clients.size;
  return {
    finished(result) {
      if (clients.has(result.id)) clientsLeft -= 1;
      if (notFound(result)) absent.push(result);
      else io.out(`${statusLine(result, style)}\n`);
      if (clients.has(result.id) && clientsLeft === 0 && absent.length > 0) {
        absent.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
        io.out(`${paint('skip', style.icons.skip)} ${absentLine(absent, style)}\n`);
      }
    },
    async done() {},
  };
}

function isClientCheck(check: Pick<Check, 'id'>): boolean {
  return check.id.startsWith('client-');
}

function notFound(result: CheckResult): boolean {
  return result.code === 'CLIENT_NOT_FOUND';
}

/** One line for every AI client not on this machine. */
function absentLine(absent: CheckResult[], style: TextStyle): string {
  const line = `AI clients ${kleur.bold('CLIENT_NOT_FOUND')} ${kleur.dim(style.dash)} not installed, not configured: ${absent.map((r) => r.title).join('; ')}`;
  return style.verbose || style.width === null ? line : fitLine(line, style.width - 2);
}
