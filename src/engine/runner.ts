import { performance } from 'node:perf_hooks';
import { anySignal, timeoutSignal } from '../abort.ts';
import { fail, isBroken, skip } from './outcome.ts';
import type { Check, CheckContext, CheckResult, Outcome } from './types.ts';

export interface RunOptions {
  /** The registry, in report order. */
  registry: readonly Check[];
  /** Ids to report; their prerequisites run too but are not reported. */
  selected: ReadonlySet<string>;
  context: Omit<CheckContext, 'signal' | 'dependency' | 'after'>;
  /** Bound on one check. */
  checkTimeoutMs: number;
  /** Bound on the whole run, whatever fails. */
  deadlineMs: number;
  /** Ctrl-C and the like. */
  signal?: AbortSignal;
  /** --offline: checks that need the network are reported as not checked, not run. */
  offline?: boolean;
  onStart?(check: Check): void;
  onFinish?(result: CheckResult): void;
}

/** Every check that `selected` needs, prerequisites included. */
export function closureOf(registry: readonly Check[], selected: ReadonlySet<string>): Set<string> {
  const byId = new Map(registry.map((c) => [c.id, c]));
  const needed = new Set<string>();
  const visit = (id: string, from: string | null): void => {
    const check = byId.get(id);
    if (!check) throw new Error(`check ${from ?? '(selection)'} names unknown check ${id}`);
    if (needed.has(id)) return;
    needed.add(id);
    for (const dep of [...(check.dependsOn ?? []), ...(check.uses ?? []), ...(check.awaits ?? [])])
      visit(dep, id);
  };
  for (const id of selected) visit(id, null);
  return needed;
}

/**
 * Runs every needed check as soon as its prerequisites are done, all concurrently.
 * Resolves to the selected results in registry order; never rejects for a check's sake.
 */
export async function runChecks(options: RunOptions): Promise<CheckResult[]> {
  const { registry, selected, context } = options;
  const needed = closureOf(registry, selected);
  const byId = new Map(registry.map((c) => [c.id, c]));
  const deadline = timeoutSignal(options.deadlineMs, true);
  const runSignal = anySignal(options.signal, deadline.signal);
  const results = new Map<string, CheckResult>();
  const pending = new Map<string, Promise<CheckResult>>();

  const resultOf = (id: string): Promise<CheckResult> => {
    let promise = pending.get(id);
    if (!promise) {
      promise = execute(byId.get(id)!);
      pending.set(id, promise);
    }
    return promise;
  };

  /** The hard prerequisites known to have failed or been skipped (a speculative check may ask early). */
  const brokenOf = (check: Check) =>
    (check.dependsOn ?? []).filter((dep) => {
      const result = results.get(dep);
      return result !== undefined && isBroken(result);
    });
  const dependencySkip = (broken: string[]) =>
    skip('DEPENDENCY_NOT_MET', broken.map((dep) => `${dep} ${verb(results.get(dep)!)}`).join(', '));

  const execute = async (check: Check): Promise<CheckResult> => {
    const hard = check.dependsOn ?? [];
    const soft = check.uses ?? [];
    // A speculative check starts once its soft prerequisites are done, alongside its hard ones,
    // and may read only the soft ones; if a hard one then fails, its answer is thrown away.
    const readable = check.speculative ? [...soft] : [...hard, ...soft];
    await Promise.all((check.speculative ? soft : readable).map(resultOf));
    const started = performance.now();
    let outcome: Outcome;
    if (options.offline && check.network && !check.worksOffline) {
      outcome = skip('OFFLINE', 'not checked: --offline');
    } else if (brokenOf(check).length > 0) {
      outcome = dependencySkip(brokenOf(check));
    } else if (runSignal.aborted) {
      outcome = stopped(options.signal, check, options.deadlineMs);
    } else if (check.speculative) {
      const cancel = new AbortController();
      options.onStart?.(check);
      const running = runOne(
        check,
        readable,
        results,
        context,
        anySignal(runSignal, cancel.signal),
        options,
        resultOf,
      );
      await Promise.all(hard.map(resultOf));
      const broken = brokenOf(check);
      if (broken.length > 0) {
        cancel.abort();
        outcome = dependencySkip(broken);
      } else {
        outcome = await running;
      }
    } else {
      options.onStart?.(check);
      outcome = await runOne(check, readable, results, context, runSignal, options, resultOf);
    }
    const result: CheckResult = {
      id: check.id,
      title: check.title,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
    };
    results.set(check.id, result);
    if (selected.has(check.id)) options.onFinish?.(result);
    return result;
  };

  try {
    await Promise.all([...needed].map(resultOf));
  } finally {
    deadline.clear();
  }
  return registry.filter((c) => selected.has(c.id)).map((c) => results.get(c.id)!);
}

function verb(result: CheckResult): string {
  return result.status === 'fail' ? 'failed' : 'was skipped';
}

function stopped(interrupt: AbortSignal | undefined, check: Check, deadlineMs: number): Outcome {
  if (interrupt?.aborted) return skip('INTERRUPTED', 'not run: the run was interrupted');
  return fail(
    'TIMEOUT',
    `not finished: the run's bound of ${deadlineMs} ms ran out before ${check.id} could finish`,
  );
}

async function runOne(
  check: Check,
  prerequisites: readonly string[],
  results: Map<string, CheckResult>,
  context: RunOptions['context'],
  runSignal: AbortSignal,
  options: RunOptions,
  resultOf: (id: string) => Promise<CheckResult>,
): Promise<Outcome> {
  const declared = [...(check.dependsOn ?? []), ...(check.uses ?? []), ...(check.awaits ?? [])];
  const limitMs = options.checkTimeoutMs + (check.startupAllowanceMs ?? 0);
  // Kept alive: a check stuck on a promise that holds no handle must still end in TIMEOUT.
  const bound = timeoutSignal(limitMs, true);
  const signal = anySignal(runSignal, bound.signal);
  const ctx: CheckContext = {
    ...context,
    signal,
    dependency<D>(id: string): CheckResult<D> {
      if (!prerequisites.includes(id)) throw new Error(`${check.id} reads ${id} without declaring it`);
      return results.get(id) as CheckResult<D>;
    },
    after<D>(id: string): Promise<CheckResult<D>> {
      if (!declared.includes(id))
        return Promise.reject(new Error(`${check.id} awaits ${id} without declaring it`));
      return resultOf(id) as Promise<CheckResult<D>>;
    },
  };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Outcome>((resolve) => {
    onAbort = () => {
      if (options.signal?.aborted) resolve(skip('INTERRUPTED', 'interrupted while running'));
      else if (runSignal.aborted) resolve(stopped(undefined, check, options.deadlineMs));
      else resolve(fail('TIMEOUT', `did not finish within ${limitMs} ms`));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([check.run(ctx), aborted]);
  } catch (error) {
    return fail('CHECK_CRASHED', `the check crashed: ${describeCrash(error)}`, {
      details: ['This is a bug in eliza-doctor; please report it with the output of --report.'],
    });
  } finally {
    bound.clear();
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function describeCrash(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
