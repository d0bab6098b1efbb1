import { setMaxListeners } from 'node:events';

/**
 * Both replace AbortSignal.any/AbortSignal.timeout: on Node 20 the garbage collector may take a
 * signal that only AbortSignal.any refers to, and the abort then never comes (seen here under
 * load). Plain controllers, held by their listeners and timers, abort for sure.
 */
export function anySignal(...signals: (AbortSignal | null | undefined)[]): AbortSignal {
  const controller = listenable();
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

/** Aborts after ms. `keepAlive`: the pending timer holds the process open (for the engine's bounds). */
export function timeoutSignal(ms: number, keepAlive = false): { signal: AbortSignal; clear(): void } {
  const controller = listenable();
  const timer = setTimeout(
    () => controller.abort(new DOMException('time bound reached', 'TimeoutError')),
    ms,
  );
  if (!keepAlive) timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** A run hangs one listener per check and per network wait on its signals: more than Node's 10. */
function listenable(): AbortController {
  const controller = new AbortController();
  setMaxListeners(1000, controller.signal);
  return controller;
}
