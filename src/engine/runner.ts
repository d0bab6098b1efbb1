import { performance } from 'node:perf_hooks';
import { anySignal, timeoutSignal } from '../abort.ts';
import { displayable } from '../display.ts';
import type { CheckId } from '../facts.ts';
import { fail, manualFix, skip, standsAlone, usable } from './outcome.ts';
import type { Check, CheckContext, CheckResult, Outcome } from './types.ts';

export interface RunOptions {
  /** The registry, in report order. */
  registry: readonly Check[];
  /** Ids to report; their prerequisites run too but are not reported. */
  selected: ReadonlySet<CheckId>;
  context: Omit<CheckContext, 'signal' | 'boundAt' | 'result'>;
  /** Bound on one check. */
  checkTimeoutMs: number;
  /** Bound on the whole run, whatever fails. */
  deadlineMs: number;
  /** Ctrl-C and the like. */
  signal?: AbortSignal | undefined;
  /** --offline: checks that need the network are reported as not checked, not run. */
  offline?: boolean | undefined;
  onStart?: ((check: Check) => void) | undefined;
  onFinish?: ((result: CheckResult) => void) | undefined;
}

/** Thrown into a check that asks for a need that broke; the runner reports the skip. */
class NeedBroken extends Error {}

const prerequisitesOf = (check: Check): CheckId[] => [...(check.needs ?? []), ...(check.reads ?? [])];

/** Every check that `selected` needs, prerequisites included. */
export function closureOf(registry: readonly Check[], selected: ReadonlySet<CheckId>): Set<CheckId> {
  const byId = new Map(registry.map((c) => [c.id, c]));
  const needed = new Set<CheckId>();
  const visit = (id: CheckId, from: string | null): void => {
    const check = byId.get(id);
    if (!check) throw new Error(`check ${from ?? '(selection)'} names unknown check ${id}`);
    if (needed.has(id)) return;
    needed.add(id);
    for (const prerequisite of prerequisitesOf(check)) visit(prerequisite, id);
  };
  for (const id of selected) visit(id, null);
  return needed;
}

export interface RunResults {
  /** The selected checks' results, in registry order. */
  results: CheckResult[];
  /** Checks that ran only because a selected one needs them (--only, --skip), in registry order. */
  prerequisites: CheckResult[];
}

/**
 * Runs every needed check as soon as its prerequisites are done (or at once, if it starts early),
 * all concurrently. Never rejects for a check's sake.
 */
export async function runChecks(options: RunOptions): Promise<RunResults> {
  const { registry, selected } = options;
  const needed = closureOf(registry, selected);
  const byId = new Map(registry.map((c) => [c.id, c]));
  const deadline = timeoutSignal(options.deadlineMs, true);
  const runSignal = anySignal(options.signal, deadline.signal);
  const results = new Map<CheckId, CheckResult>();
  const pending = new Map<CheckId, Promise<CheckResult>>();

  const resultOf = (id: CheckId): Promise<CheckResult> => {
    let promise = pending.get(id);
    if (!promise) {
      promise = execute(byId.get(id)!);
      pending.set(id, promise);
    }
    return promise;
  };

  const brokenNeeds = (check: Check) =>
    (check.needs ?? []).filter((id) => {
      const result = results.get(id);
      return result !== undefined && !usable(result);
    });
  /** The checks at the bottom of a skip chain: what a dependant names, not the chain itself. */
  const rootsOf = (id: CheckId): CheckId[] => {
    if (results.get(id)!.code !== 'DEPENDENCY_NOT_MET') return [id];
    // A check may skip itself for a soft prerequisite's sake (tls with no CA to judge by).
    const broken = prerequisitesOf(byId.get(id)!).filter((p) => {
      const result = results.get(p);
      return result !== undefined && !usable(result);
    });
    const roots = broken.flatMap(rootsOf);
    return roots.length ? [...new Set(roots)] : [id];
  };
  const dependencySkip = (broken: CheckId[]) => {
    const roots = [...new Set(broken.flatMap(rootsOf))];
    return skip('DEPENDENCY_NOT_MET', roots.map((id) => `${id} ${verb(results.get(id)!)}`).join(', '));
  };

  const execute = async (check: Check): Promise<CheckResult> => {
    await Promise.all((check.yieldsTo ?? []).filter((id) => needed.has(id)).map(resultOf));
    if (!check.startEarly) await Promise.all(prerequisitesOf(check).map(resultOf));
    const started = performance.now();
    let outcome: Outcome;
    if (options.offline && check.network && !check.worksOffline) {
      outcome = skip('OFFLINE', 'not checked: --offline');
    } else if (brokenNeeds(check).length > 0) {
      outcome = dependencySkip(brokenNeeds(check));
    } else if (runSignal.aborted) {
      outcome = stopped(options.signal, check, options.deadlineMs);
    } else {
      options.onStart?.(check);
      const cancel = new AbortController();
      const running = runOne(check, anySignal(runSignal, cancel.signal), resultOf, options);
      if (!check.startEarly) {
        outcome = await running;
      } else {
        let early: Outcome | null = null;
        void running.then((o) => {
          early = o;
        });
        await Promise.all((check.needs ?? []).map(resultOf));
        const broken = brokenNeeds(check);
        const kept = early as Outcome | null;
        if (broken.length > 0 && !(kept && standsAlone(kept))) {
          cancel.abort();
          outcome = dependencySkip(broken);
        } else {
          outcome = await running;
        }
      }
    }
    const result: CheckResult = {
      id: check.id,
      title: check.title,
      ...shown(outcome),
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
  const inOrder = (keep: (id: CheckId) => boolean) =>
    registry.filter((c) => keep(c.id) && results.has(c.id)).map((c) => results.get(c.id)!);
  return {
    results: inOrder((id) => selected.has(id)),
    prerequisites: inOrder((id) => needed.has(id) && !selected.has(id)),
  };
}

/** What reports print: summaries and details quote foreign text, which must not act on a terminal. */
function shown(outcome: Outcome): Outcome {
  return {
    ...outcome,
    summary: displayable(outcome.summary),
    details: outcome.details.map(displayable),
    fix: outcome.fix && {
      ...outcome.fix,
      summary: displayable(outcome.fix.summary),
      commands: outcome.fix.commands.map(displayable),
    },
  };
}

function verb(result: CheckResult): string {
  if (result.code === 'INTERRUPTED') return 'was interrupted';
  return result.status === 'fail' ? 'failed' : 'was skipped';
}

function stopped(interrupt: AbortSignal | undefined, check: Check, deadlineMs: number): Outcome {
  if (interrupt?.aborted) return skip('INTERRUPTED', 'not run: the run was interrupted');
  return fail(
    'TIMEOUT',
    `not finished: the run's bound of ${deadlineMs} ms ran out before ${check.id} could finish`,
    { fix: SLOW_FIX },
  );
}

/** A check that outlived its bound: the network or the machine is slow, or the bound too short. */
const SLOW_FIX = manualFix(
  'run it again; on a slow link or a busy machine give it more time (--timeout, in ms); if it lasts, report it with --report',
);
const BUG_FIX = manualFix(
  'a bug in eliza-doctor, not on this machine: report it with the output of --report',
);

async function runOne(
  check: Check,
  runSignal: AbortSignal,
  resultOf: (id: CheckId) => Promise<CheckResult>,
  options: RunOptions,
): Promise<Outcome> {
  const declared = prerequisitesOf(check);
  const needs = check.needs ?? [];
  const limitMs = options.checkTimeoutMs + (check.startupAllowanceMs ?? 0);
  // Kept alive: a check stuck on a promise that holds no handle must still end in TIMEOUT.
  const bound = timeoutSignal(limitMs, true);
  const signal = anySignal(runSignal, bound.signal);
  const ctx: CheckContext = {
    ...options.context,
    signal,
    boundAt: performance.now() + limitMs,
    result: (async (id: CheckId) => {
      if (!declared.includes(id)) throw new Error(`${check.id} reads ${id} without declaring it`);
      const result = await resultOf(id);
      if (needs.includes(id) && !usable(result)) throw new NeedBroken(id);
      return result;
    }) as CheckContext['result'],
  };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Outcome>((resolve) => {
    onAbort = () => {
      if (options.signal?.aborted) resolve(skip('INTERRUPTED', 'interrupted while running'));
      else if (runSignal.aborted) resolve(stopped(undefined, check, options.deadlineMs));
      else resolve(fail('TIMEOUT', `did not finish within ${limitMs} ms`, { fix: SLOW_FIX }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([check.run(ctx), aborted]);
  } catch (error) {
    // The runner saw the broken need too and reports the skip; this answer is never used.
    if (error instanceof NeedBroken) return skip('DEPENDENCY_NOT_MET', `${error.message} broke`);
    return fail('CHECK_CRASHED', `the check crashed: ${describeCrash(error)}`, { fix: BUG_FIX });
  } finally {
    bound.clear();
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function describeCrash(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
