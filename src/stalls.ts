/**
 * This thread's stalls, watched while someone times arrivals on it: a stream's reads are stamped
 * when the thread gets to them, so a read handled as a stall ends (another check building a TLS
 * context from a few hundred CAs, say) came off the connection at some moment of it that nobody
 * saw. A sampling timer that fires late by STALL_MS or more marks a stall; each read asks, as it
 * is handled, whether the thread is just coming out of one.
 */
import { performance } from 'node:perf_hooks';

const SAMPLE_MS = 5;
/** Held this long, the thread bunches events a model writes apart. */
const STALL_MS = 20;

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

/** Starts watching (one timer, however many watch); the function returned stops and gives the stalls since. */
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
    stopped = stalls.filter((stall) => stall.to >= since);
    if (--watchers === 0) {
      if (sampler) clearInterval(sampler);
      sampler = null;
      stalls.length = 0;
    }
    return stopped;
  };
}

/**
 * Whether what the thread handles now waited for it: the timer has not fired for a stall's length
 * (the thread is only now free), or it just fired late (in this same turn of the loop). False when
 * nobody watches.
 */
export function threadWasHeld(): boolean {
  if (watchers === 0) return false;
  const now = performance.now();
  const last = stalls.at(-1);
  return now - lastTick >= SAMPLE_MS + STALL_MS || (last !== undefined && now - last.to <= SAMPLE_MS);
}
