/**
 * The handshake that times the network runs in a worker thread of its own. On the main thread its
 * socket events waited for whatever else the run was doing when they came (loading undici, reading
 * startup files, the checks' own work): connect and TLS read 30 to 100 ms longer than curl's on
 * the same path. The worker's thread does nothing else, so the stamps are the network's; the main
 * thread gets the chain and the times when it gets to the message.
 */
import { Worker } from 'node:worker_threads';
import { classifyError, failure } from './errors.ts';
import type { TlsProbe } from './tls-probe.ts';
import { elapsed, type Result, settle } from './wait.ts';

interface Job {
  id: number;
  address: string;
  port: number;
  servername: string | null;
  ca: string;
}

type Answer =
  | ({ id: number; ok: true } & Omit<TlsProbe, 'address' | 'chain'> & { chain: Uint8Array[] })
  | { id: number; ok: false; code: string | null; message: string; closed: boolean };

// Plain JavaScript, evaluated in the worker: a file of its own would not survive the one-file build.
// No interpolation: the launcher (dist/cli.js, scripts/build.mjs) starts the same thread from it.
export const WIRE_THREAD_SOURCE = `
const tls = require('node:tls');
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const sockets = new Map();
parentPort.on('message', (message) => {
  if (message.cancel !== undefined) {
    sockets.get(message.cancel)?.destroy();
    return sockets.delete(message.cancel);
  }
  const job = message.run;
  let finished = false;
  const finish = (answer) => {
    if (finished) return;
    finished = true;
    sockets.delete(job.id);
    parentPort.postMessage({ id: job.id, ...answer });
    socket.destroy();
  };
  const socket = tls.connect({
    host: job.address,
    port: job.port,
    ...(job.servername ? { servername: job.servername } : {}),
    rejectUnauthorized: false,
    ALPNProtocols: ['h2', 'http/1.1'],
    ca: [job.ca],
  });
  sockets.set(job.id, socket);
  // To an address, the socket connects on the next tick, after tls.connect returns.
  const connectingAt = performance.now();
  let connectedAt = connectingAt;
  socket.once('connect', () => {
    connectedAt = performance.now();
  });
  socket.once('secureConnect', () => {
    const tlsDone = performance.now();
    const chain = [];
    const seen = new Set();
    let current = socket.getPeerCertificate(true);
    while (current && current.raw && !seen.has(current.fingerprint256)) {
      seen.add(current.fingerprint256);
      chain.push(new Uint8Array(current.raw));
      current = current.issuerCertificate;
    }
    const cipher = socket.getCipher();
    const authError = socket.authorizationError;
    finish({
      ok: true,
      authorized: socket.authorized,
      authorizationError: authError ? String(authError.code || authError) : null,
      protocol: socket.getProtocol(),
      cipher: cipher ? cipher.name : null,
      alpn: socket.alpnProtocol || null,
      chain,
      tcpMs: Math.round(connectedAt - connectingAt),
      tlsMs: Math.round(tlsDone - connectedAt),
      // Nothing else runs on this thread: no time of its own is in the stamps.
      busyMs: 0,
    });
  });
  socket.once('error', (error) => finish({ ok: false, code: error.code || null, message: error.message, closed: false }));
  // A server that closes without a word during the handshake emits 'close' but no error.
  socket.once('close', () => finish({ ok: false, code: null, message: 'closed', closed: true }));
});
`;

const LAUNCHED = Symbol.for('eliza-doctor.wire-thread');
/** The cause of a failure that is the thread's, not the handshake's. */
export const WIRE_THREAD_LOST = 'WIRE_THREAD_LOST';
let worker: Worker | null = null;
let nextId = 1;
/** Released threads that still had a handshake under way: they go when it is done. */
const idleThreads = new Set<Worker>();
/** The handshakes under way, each with the thread it runs on. */
const waiting = new Map<number, { thread: Worker; resolve: (answer: Answer) => void }>();

/** Started as soon as a run knows it will time a handshake: booting a thread takes tens of ms. */
export function startWireWorker(): void {
  if (worker) return;
  // The launcher may have started it already, while the doctor loaded.
  const early = (globalThis as Record<symbol, Worker | undefined>)[LAUNCHED];
  const started =
    early ?? new Worker(WIRE_THREAD_SOURCE, { eval: true, env: {}, stdout: false, stderr: false });
  started.on('message', (answer: Answer) => {
    const job = waiting.get(answer.id);
    waiting.delete(answer.id);
    if (waiting.size === 0) started.unref();
    job?.resolve(answer);
    if (idleThreads.has(started) && ![...waiting.values()].some((j) => j.thread === started)) {
      idleThreads.delete(started);
      void started.terminate();
    }
  });
  const lost = (why: string) => {
    if (worker === started) worker = null;
    for (const [id, job] of waiting) {
      if (job.thread !== started) continue;
      waiting.delete(id);
      job.resolve({ id, ok: false, code: WIRE_THREAD_LOST, message: why, closed: false });
    }
  };
  started.on('error', (error) => lost(`the handshake thread failed: ${error.message}`));
  started.on('exit', () => lost('the handshake thread exited'));
  started.unref();
  worker = started;
}

/**
 * Its work done (the run's timed handshake), the thread goes once idle: its 10 MB would otherwise
 * count in the run's peak, which comes later.
 */
export function releaseWireWorker(): void {
  const thread = worker;
  if (!thread) return;
  worker = null;
  const busy = [...waiting.values()].some((job) => job.thread === thread);
  if (!busy) void thread.terminate();
  else idleThreads.add(thread);
}

/** A run that times no handshake (--only environment, offline by config): the launcher's thread goes. */
export function dropLaunchedWireWorker(): void {
  const early = (globalThis as Record<symbol, Worker | undefined>)[LAUNCHED];
  if (!early) return;
  delete (globalThis as Record<symbol, Worker | undefined>)[LAUNCHED];
  void early.terminate();
}

export function stopWireWorker(): void {
  void worker?.terminate();
  worker = null;
  delete (globalThis as Record<symbol, Worker | undefined>)[LAUNCHED];
}

/** A handshake trusting only `ca` (a CA that matches nothing shows the chain as presented). */
export function workerTlsProbe(
  probe: { address: string; port: number; servername: string | null; ca: string },
  signal: AbortSignal,
): Promise<Result<TlsProbe>> {
  startWireWorker();
  const target = worker!;
  const started = performance.now();
  return settle<TlsProbe>(signal, started, (done) => {
    const id = nextId++;
    waiting.set(id, {
      thread: target,
      resolve: (answer) => {
        if (answer.ok) {
          const { id: _, ok: __, chain, ...rest } = answer;
          done({
            ok: true,
            ...rest,
            address: probe.address,
            chain: chain.map((der) => Buffer.from(der.buffer, der.byteOffset, der.byteLength)),
          });
        } else if (answer.closed) {
          done({
            ok: false,
            failure: failure('reset', 'ECONNRESET', 'the connection was closed during the handshake'),
            ms: elapsed(started),
          });
        } else {
          const error = Object.assign(new Error(answer.message), answer.code ? { code: answer.code } : {});
          done({ ok: false, failure: classifyError(error), ms: elapsed(started) });
        }
      },
    });
    target.ref();
    target.postMessage({ run: { id, ...probe } satisfies Job });
    return () => {
      if (!waiting.delete(id)) return;
      target.postMessage({ cancel: id });
      if (waiting.size === 0) target.unref();
    };
  });
}
