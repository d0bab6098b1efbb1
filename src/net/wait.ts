import { performance } from 'node:perf_hooks';
import { anySignal, timeoutSignal } from '../abort.ts';
import { failure, type NetFailure } from './errors.ts';

export type Result<T> = ({ ok: true } & T) | { ok: false; failure: NetFailure; ms: number };

/**
 * Runs a callback-style operation until it reports once, or the signal aborts (then: timeout).
 * `start` returns the cleanup that tears the operation down.
 */
export function settle<T>(
  signal: AbortSignal,
  started: number,
  start: (done: (result: Result<T>) => void) => () => void,
): Promise<Result<T>> {
  return new Promise((resolve) => {
    let finished = false;
    let cleanup: (() => void) | undefined;
    const done = (result: Result<T>) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      cleanup?.();
      resolve(result);
    };
    const onAbort = () =>
      done({ ok: false, failure: failure('timeout', 'TIMEOUT', 'timed out'), ms: elapsed(started) });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    cleanup = start(done);
    if (finished) cleanup();
  });
}

/** The parent signal, or the bound of ms, whichever comes first. */
export function boundedSignal(parent: AbortSignal | null, ms: number): AbortSignal {
  const timeout = timeoutSignal(ms);
  const signal = anySignal(parent, timeout.signal);
  signal.addEventListener('abort', timeout.clear, { once: true });
  return signal;
}

/** Rejects with the signal's reason when it aborts first: for work that cannot be cancelled. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Still running, and nobody will read it: its failure must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
