import { performance } from 'node:perf_hooks';
import { registry } from '../checks/index.ts';
import type { DoctorConfig } from './config.ts';
import { checkTimeoutMs, PROGRAM_START_ALLOWANCE_MS } from './engine/allowance.ts';
import { closureOf, runChecks } from './engine/runner.ts';
import type { Check, CheckResult } from './engine/types.ts';
import type { CheckId } from './facts.ts';
import type { Host } from './host.ts';
import { createNet } from './net/index.ts';
import type { RunSummary } from './report/json.ts';
import type { Redactor } from './secret.ts';
import { withTestHooks } from './test-hooks.ts';
import { resolveNewTerminal } from './trust/terminal.ts';

export interface DoctorRun {
  config: DoctorConfig;
  host: Host;
  selected: ReadonlySet<CheckId>;
  /** Where secrets found during the run are registered, to be hidden in every output. */
  redactor: Redactor;
  signal?: AbortSignal;
  onFinish?(result: CheckResult): void;
}

/**
 * The whole run, whatever fails: the contract's "about twice --timeout", plus one fixed second
 * for starting the runtimes the trust checks test (python3, a fresh node, curl).
 */
export function runDeadlineMs(timeoutMs: number): number {
  return 2 * timeoutMs + PROGRAM_START_ALLOWANCE_MS;
}

const NEW_TERMINAL_CHECKS: readonly CheckId[] = ['trust-node', 'trust-python', 'trust-system'];

export async function diagnose(run: DoctorRun): Promise<Omit<RunSummary, 'exitCode'>> {
  const startedAt = new Date();
  const started = performance.now();
  const needed = closureOf(registry, run.selected);
  const net = createNet({
    timeoutMs: run.config.timeoutMs,
    resolve: run.config.resolve,
    env: run.host.env,
    // Only when a check will make HTTP requests: loading undici costs 30 ms and 12 MB.
    prefetch: !run.config.offline && registry.some((c) => c.http && needed.has(c.id)),
    wireThread: !run.config.offline && (needed.has('tls') || needed.has('scheme')),
  });
  // The trust checks judge a new terminal, which takes starting the user's shells to know: they
  // start now, alongside dns and tcp, rather than when those checks get to them.
  if (!run.config.offline && NEW_TERMINAL_CHECKS.some((id) => needed.has(id))) {
    resolveNewTerminal(run.host, {
      timeoutMs: run.config.timeoutMs,
      ...(run.signal ? { signal: run.signal } : {}),
    }).catch(() => undefined);
  }
  try {
    const { results, prerequisites } = await runChecks({
      registry: withTestHooks(registry, run.host.env, run.config.token),
      selected: run.selected,
      context: {
        config: run.config,
        net,
        host: run.host,
        registerSecret: (value) => run.redactor.add(value),
      },
      checkTimeoutMs: checkTimeoutMs(run.config.timeoutMs),
      deadlineMs: runDeadlineMs(run.config.timeoutMs),
      offline: run.config.offline,
      signal: run.signal,
      onFinish: run.onFinish,
    });
    return { results, prerequisites, startedAt, durationMs: Math.round(performance.now() - started) };
  } finally {
    await net.close();
  }
}

/**
 * A failing prerequisite that --only or --skip hides still fails the run: the selected checks
 * cannot be right without it.
 */
export function exitCodeFor(
  { results, prerequisites }: Pick<RunSummary, 'results' | 'prerequisites'>,
  strict: boolean,
): number {
  if ([...results, ...prerequisites].some((r) => r.code === 'INTERRUPTED')) return 130;
  if ([...results, ...prerequisites].some((r) => r.status === 'fail')) return 1;
  if (strict && results.some((r) => r.status === 'warn')) return 1;
  return 0;
}

/** --only and --skip, as the contract has them; unknown ids are the caller's usage error. */
export function selectChecks(only: string[], skip: string[]): { selected: Set<CheckId>; unknown: string[] } {
  const ids: string[] = registry.map((c) => c.id);
  const unknown = [...only, ...skip].filter((id) => !ids.includes(id));
  const base = only.length ? registry.filter((c) => only.includes(c.id)) : registry;
  return { selected: new Set(base.filter((c) => !skip.includes(c.id)).map((c) => c.id)), unknown };
}

export function checksIn(selected: ReadonlySet<CheckId>): Check[] {
  return registry.filter((c) => selected.has(c.id));
}

export { registry };
