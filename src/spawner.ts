/**
 * Programs are started from a worker thread. Starting one (fork and exec) blocks the thread that
 * does it, for 5 ms on a quiet machine and 50 ms and more on a loaded one; on the main thread that
 * is time every socket event waits: the network checks' timings stamped late (a TLS handshake that
 * looks slow) and their requests sent late. The worker's own event loop also keeps the programs'
 * bounds, whatever the main thread is doing.
 */
import { Worker } from 'node:worker_threads';
import type { ExecOptions, ExecResult } from './host.ts';

/** What the main thread sends: one program to run (ExecOptions without the signal), or a kill. */
type Job = {
  id: number;
  file: string;
  args: string[];
  input?: string;
  inputLater?: boolean;
  lines?: boolean;
} & Omit<ExecOptions, 'signal' | 'input' | 'onLine'> & { cwd: string };
type ToWorker = { run: Job } | { kill: number } | { input: number; text: string };
type FromWorker = { id: number; result: ExecResult } | { id: number; line: string };

// Plain JavaScript, evaluated in the worker: a file of its own would not survive the one-file build.
const WORKER_SOURCE = `
const { spawn } = require('node:child_process');
const { parentPort } = require('node:worker_threads');
const MAX_OUTPUT = ${1024 * 1024};
const LONGEST_LINE = ${64 * 1024};
const kills = new Map();
const stdins = new Map();
parentPort.on('message', (message) => {
  if (message.kill !== undefined) return kills.get(message.kill)?.();
  if (message.input !== undefined) {
    stdins.get(message.input)?.end(message.text);
    return stdins.delete(message.input);
  }
  const job = message.run;
  const report = (result) => {
    kills.delete(job.id);
    stdins.delete(job.id);
    parentPort.postMessage({ id: job.id, result });
  };
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let child;
  try {
    child = spawn(job.file, job.args, {
      env: job.env,
      cwd: job.cwd,
      detached: job.session === true,
      stdio: [job.session ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    return report({ code: null, stdout, stderr, timedOut: false, error: error.code || error.message });
  }
  const killAll = () => {
    if (!job.session || child.pid === undefined) return void child.kill('SIGKILL');
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    // A program that left the group (setsid) may still hold the output open: stop listening.
    setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, 200).unref();
  };
  const kill = () => {
    timedOut = true;
    killAll();
  };
  const timer = setTimeout(kill, job.timeoutMs);
  kills.set(job.id, kill);
  if (job.session) child.once('exit', killAll);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  // Lines as they come, for a program that answers in parts: within the output's bound, each no
  // longer than LONGEST_LINE (a longer one is dropped whole), the last one even without its newline.
  let partial = '';
  let overlong = false;
  let streamed = 0;
  const streamLines = (text) => {
    streamed += text.length;
    if (streamed > MAX_OUTPUT) return;
    let start = 0;
    for (let end = text.indexOf('\\n'); end !== -1; end = text.indexOf('\\n', start)) {
      const line = overlong ? '' : partial + text.slice(start, end);
      if (line && line.length <= LONGEST_LINE) parentPort.postMessage({ id: job.id, line: line.replace(/\\r$/, '') });
      partial = '';
      overlong = false;
      start = end + 1;
    }
    if (!overlong) partial += text.slice(start);
    if (partial.length > LONGEST_LINE) {
      partial = '';
      overlong = true;
    }
  };
  child.stdout?.on('data', (text) => {
    if (stdout.length < MAX_OUTPUT) stdout += text;
    if (job.lines) streamLines(text);
  });
  child.stderr?.on('data', (text) => {
    if (stderr.length < MAX_OUTPUT) stderr += text;
  });
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    if (job.inputLater) stdins.set(job.id, child.stdin);
    else child.stdin.end(job.input ?? '');
  }
  child.once('error', (error) => {
    clearTimeout(timer);
    report({ code: null, stdout, stderr, timedOut: false, error: error.code || error.message });
  });
  child.once('close', (code) => {
    clearTimeout(timer);
    if (job.lines && partial && !overlong) streamLines('\\n');
    report({ code, stdout, stderr, timedOut, error: null });
  });
});
`;

let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, (result: ExecResult) => void>();
const lineReaders = new Map<number, (line: string) => void>();
/** Threads let go while idle: their exit fails nothing. */
const retired = new WeakSet<Worker>();

/** The thread programs start from now, if any (its threadId): for tests. */
export function spawnerThread(): number | null {
  return worker?.threadId ?? null;
}

function retireIfIdle(thread: Worker): void {
  if (worker !== thread || waiting.size > 0) return;
  retired.add(thread);
  worker = null;
  void thread.terminate();
}

function spawner(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_SOURCE, { eval: true, stdout: false, stderr: false });
  started.on('message', (message: FromWorker) => {
    if ('line' in message) return lineReaders.get(message.id)?.(message.line);
    const { id, result } = message;
    const resolve = waiting.get(id);
    waiting.delete(id);
    lineReaders.delete(id);
    if (waiting.size === 0) started.unref();
    resolve?.(result);
    // Idle after a turn of the loop (a check starting its next program does so before): the
    // thread goes now, its teardown overlapping the rest of the run rather than adding to the
    // process's exit. A later program starts a new one.
    if (waiting.size === 0) setImmediate(() => retireIfIdle(started));
  });
  // The worker never throws for a program's sake; if it dies all the same, its programs end with
  // that as their error, and the next program gets a new worker.
  const lost = (why: string) => {
    if (retired.has(started)) return;
    if (worker === started) worker = null;
    for (const [id, resolve] of waiting) {
      waiting.delete(id);
      lineReaders.delete(id);
      resolve({ code: null, stdout: '', stderr: '', timedOut: false, error: why });
    }
  };
  started.on('error', (error) => lost(`the program starter failed: ${error.message}`));
  started.on('exit', () => lost('the program starter exited'));
  started.unref();
  worker = started;
  return started;
}

/** Runs a program from the worker, bounded there by timeoutMs; never rejects for the program's sake. */
export function execInWorker(
  file: string,
  args: string[],
  options: ExecOptions & { cwd: string },
): Promise<ExecResult> {
  const { signal, input, onLine, ...rest } = options;
  const id = nextId++;
  if (onLine) lineReaders.set(id, onLine);
  const target = spawner();
  return new Promise((resolve) => {
    const onAbort = () => target.postMessage({ kill: id } satisfies ToWorker);
    waiting.set(id, (result) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    });
    // A program is running: the process must not end under it.
    target.ref();
    const inputLater = typeof input === 'object';
    target.postMessage({
      run: {
        id,
        file,
        args,
        ...rest,
        ...(inputLater ? { inputLater } : input !== undefined ? { input } : {}),
        ...(onLine ? { lines: true } : {}),
      },
    } satisfies ToWorker);
    if (inputLater) {
      const send = (text: string) => target.postMessage({ input: id, text } satisfies ToWorker);
      // No input after all: stdin closes empty, and the program ends as it does on no input.
      input.then(send, () => send(''));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}
