import { createInterface } from 'node:readline/promises';
import type { Io } from '../cli/io.ts';
import { realHost } from '../host.ts';
import { Redactor } from '../secret.ts';

let unwritable: string | undefined;

/**
 * Waits until stdout and stderr have taken everything written, then says why the output could not
 * be written, when it could not (a broken pipe is not a failure).
 */
export async function flushOutput(): Promise<string | undefined> {
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', () => done(undefined)))),
  );
  return unwritable;
}

/**
 * The process's Io: every byte written to stdout or stderr, by the doctor or by a library it
 * uses (listr2 draws directly), passes the redactor first, the last line of defence for secrets.
 */
export function processIo(args: string[]): Io {
  const redactor = new Redactor();
  for (const stream of [process.stdout, process.stderr]) {
    // A reader that stops early (`eliza-doctor | head`) closes the pipe: the rest of the output
    // goes nowhere, and the run finishes as it would have (a fix is never left half-applied for
    // it). Any other failure to write (a full disk under `> report.json`) is an error of the run.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE')
        unwritable ??= `cannot write to ${stream === process.stdout ? 'stdout' : 'stderr'}: ${error.code ?? error.message}`;
    });
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === 'string'
          ? redactor.redact(chunk)
          : Buffer.isBuffer(chunk)
            ? Buffer.from(redactor.redact(chunk.toString('utf8')))
            : chunk,
        ...rest,
      )) as typeof stream.write;
  }
  return {
    host: realHost(),
    redactor,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    async ask(question) {
      if (!process.stdin.isTTY) return null;
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      return rl.question(question).finally(() => rl.close());
    },
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.removeListener('SIGINT', handler);
    },
    self: { execPath: process.execPath, script: process.argv[1] ?? '' },
    args,
  };
}
