import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { classifyError } from './errors.ts';
import { elapsed, type Result, settle } from './wait.ts';

export interface PlainHttpAnswer {
  status: number;
  location: string | null;
  ms: number;
}

/** One plain-HTTP HEAD request, for the scheme check: what http:// really does. */
export function plainHttp(
  probe: { address: string; port: number; host: string },
  signal: AbortSignal,
): Promise<Result<PlainHttpAnswer>> {
  const started = performance.now();
  return settle(signal, started, (done) => {
    const request = http.request({
      host: probe.address,
      port: probe.port,
      method: 'HEAD',
      path: '/',
      headers: { Host: probe.host, Connection: 'close' },
      agent: false,
    });
    request.once('response', (response) => {
      response.resume();
      const location = response.headers.location ?? null;
      done({ ok: true, status: response.statusCode ?? 0, location, ms: elapsed(started) });
      request.destroy();
    });
    request.once('error', (error) =>
      done({ ok: false, failure: classifyError(error), ms: elapsed(started) }),
    );
    request.end();
    return () => request.destroy();
  });
}
