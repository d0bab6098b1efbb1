/**
 * This thread's stalls, recorded while someone times arrivals on it: a stream's events are stamped
 * when the thread reads them, so those read during a stall (another check building a TLS context
 * from a few hundred CAs, say) or just after it came off the connection at some moment of it that
 * nobody saw. A sampling timer that fires late by STALL_MS or more marks one.
 */
import { performance } from 'node:perf_hooks';

const SAMPLE_MS = 5;
/** Late by this much, the thread was held: events a model writes this far apart would bunch. */
export const STALL_MS = 20;

/** performance.now() times. */
export interface Stall {
  from: number;
  to: number;
}

let watchers = 0;
let sampler: NodeJS.Timeout | null = null;
let lastTick = 0;
const stalls: Stall[] = [];

function tick(): void {
  const now = performance.now();
  if (now - lastTick >= SAMPLE_MS + STALL_MS) stalls.push({ from: lastTick, to: now });
  lastTick = now;
}

/** Starts recording (one timer, however many watch); the function returned stops and gives the stalls since. */
export function watchStalls(): () => Stall[] {
  const since = performance.now();
  if (watchers++ === 0) {
    lastTick = since;
    sampler = setInterval(tick, SAMPLE_MS);
    // Never what keeps the process alive.
    sampler.unref();
  }
  let stopped: Stall[] | null = null;
  return () => {
    if (stopped) return stopped;
    // A stall still open: the last reads were handled before the timer could fire after it.
    const now = performance.now();
    const open = now - lastTick >= SAMPLE_MS + STALL_MS ? [{ from: lastTick, to: now }] : [];
    stopped = [...stalls, ...open].filter((stall) => stall.to >= since);
    if (--watchers === 0) {
      if (sampler) clearInterval(sampler);
      sampler = null;
      stalls.length = 0;
    }
    return stopped;
  };
}

/** Read during a stall, or within one sample after it (handled in the same turn as the late timer). */
export function duringStall(atMs: number, stalls: readonly { fromMs: number; toMs: number }[]): boolean {
  return stalls.some((stall) => atMs >= stall.fromMs && atMs <= stall.toMs + SAMPLE_MS);
}
