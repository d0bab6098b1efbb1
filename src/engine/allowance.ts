import { performance } from 'node:perf_hooks';

/** What starting python3, curl or a fresh node may take on a loaded machine, beyond any network wait. */
export const PROGRAM_START_ALLOWANCE_MS = 1000;

/** Time kept back from a check's bound to judge and report what a wait inside it found. */
const REPORT_MARGIN_MS = 150;

/**
 * How long a wait inside a check may last: its own bound (`--timeout`), cut short so that the
 * check reports what the wait found (a timeout of its own, a stall) before the check's bound.
 */
export function waitWithinMs(boundAt: number, ownMs: number): number {
  return Math.max(1, Math.min(ownMs, Math.round(reportBy(boundAt) - performance.now())));
}

/** The moment by which a wait inside a check must be over for the check to report it. */
export function reportBy(boundAt: number): number {
  return boundAt - REPORT_MARGIN_MS;
}

/** One bound for a check, a little above the bound on each network operation inside it. */
export function checkTimeoutMs(timeoutMs: number): number {
  return timeoutMs + Math.max(250, Math.round(timeoutMs / 4));
}
