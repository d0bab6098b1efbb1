import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { classifyError } from './errors.ts';
import { elapsed, type Result, settle } from './wait.ts';

export interface PlainHttpAnswer {
  /** The status of a complete answer head; for a partial one, of its status line if that came. */
  status: number | null;
  location: string | null;
  ms: number;
  /**
   * Bytes came back but no complete head within the bound, or the answer was cut short: something
   * listens on http://, which is not "no answer".
   */
  partial: boolean;
}

/** One plain-HTTP HEAD request, for the scheme check: what http:// really does. */
export function plainHttp(
  probe: { address: string; port: number; host: string },
  signal: AbortSignal,
): Promise<Result<PlainHttpAnswer>> {
  const started = performance.now();
  let received = '';
  // Only an HTTP answer's beginning counts: a TLS alert from a TLS port is no answer to HTTP.
  const isHttp = () => received.startsWith('HTTP/');
  const partial = (): Result<PlainHttpAnswer> => ({
    ok: true,
    status: Number(/^HTTP\/\d(?:\.\d)? (\d{3})/.exec(received)?.[1]) || null,
    location: null,
    ms: elapsed(started),
    partial: true,
  });
  const settled = settle<PlainHttpAnswer>(signal, started, (done) => {
    const request = http.request({
      host: probe.address,
      port: probe.port,
      method: 'HEAD',
      path: '/',
      headers: { Host: probe.host, Connection: 'close' },
      agent: false,
    });
    request.once('socket', (socket) => {
      socket.on('data', (chunk: Buffer) => {
        if (received.length < 512) received += chunk.toString('latin1');
      });
    });
    request.once('response', (response) => {
      response.resume();
      const location = response.headers.location ?? null;
      done({ ok: true, status: response.statusCode ?? 0, location, ms: elapsed(started), partial: false });
      request.destroy();
    });
    request.once('error', (error) =>
      done(isHttp() ? partial() : { ok: false, failure: classifyError(error), ms: elapsed(started) }),
    );
    request.end();
    return () => request.destroy();
  });
  // A bound that runs out after the first bytes is a stalled answer, not a silent port.
  return settled.then((result) => (!result.ok && isHttp() ? partial() : result));
}
