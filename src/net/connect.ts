import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { classifyError } from './errors.ts';
import { elapsed, type Result, settle } from './wait.ts';

/** A bare TCP connect to one address: does the port accept connections from here? */
export function connect(address: string, port: number, signal: AbortSignal): Promise<Result<{ ms: number }>> {
  const started = performance.now();
  return settle(signal, started, (done) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      done({ ok: true, ms: elapsed(started) });
    });
    socket.once('error', (error) => done({ ok: false, failure: classifyError(error), ms: elapsed(started) }));
    return () => socket.destroy();
  });
}
