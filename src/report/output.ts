import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Io } from '../cli/io.ts';
import { realHost } from '../host.ts';
import { Redactor } from '../secret.ts';
import { cannotWrite, isFileLike, writeAll } from './whole-write.ts';

let unwritable: string | undefined;
/** Streams whose reader left (a closed pipe): nobody sees what is written there any more. */
const readerGone = new Set<NodeJS.WriteStream>();

/** Whatever a library hands to write(), as the text it stands for: strings in any encoding, bytes. */
function asText(chunk: unknown, encoding: unknown): string | null {
  if (typeof chunk === 'string')
    return typeof encoding === 'string' && Buffer.isEncoding(encoding) && !/^utf-?8$/i.test(encoding)
      ? Buffer.from(chunk, encoding).toString('utf8')
      : chunk;
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return null;
}

/**
 * Waits until stdout and stderr have taken everything written, then says why the output could not
 * be written, when it could not (a broken pipe is not a failure).
 */
export async function flushOutput(): Promise<string | undefined> {
  await Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', () => done(undefined)))),
  );
  flushed = true;
  return unwritable;
}

let flushed = false;
// yargs ends --help, --version and completion with process.exit() of its own, past run(): what
// they could not write to a file is said, and fails the exit, here.
process.once('exit', () => {
  if (flushed || !unwritable) return;
  try {
    writeSync(2, `eliza-doctor: ${unwritable}\n`);
  } catch {}
  process.exitCode = 3;
});

/**
 * The process's Io: every byte written to stdout or stderr, by the doctor or by a library it
 * uses (listr2 draws directly), passes the redactor first, the last line of defence for secrets.
 */
export function processIo(args: string[]): Io {
  const redactor = new Redactor();
  for (const [stream, fd, name] of [
    [process.stdout, 1, 'stdout'],
    [process.stderr, 2, 'stderr'],
  ] as const) {
    // A reader that stops early (`eliza-doctor | head`) closes the pipe: the rest of the output
    // goes nowhere, and the run finishes as it would have (a fix is never left half-applied for
    // it). Any other failure to write (a full disk under `> report.json`) is an error of the run.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') readerGone.add(stream);
      else unwritable ??= cannotWrite(name, error);
    });
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    // Node writes to a file with one write(2) and does not look at how much of it went: a disk
    // that fills part-way would cut the report short without a word. To a file, every byte is
    // written, until all are or an error says why not.
    const toFile = isFileLike(fd);
    let failed = false;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      // Every chunk as text, whatever its encoding or type, so that the redactor sees it.
      const text = asText(chunk, rest[0]);
      if (text === null) return write(chunk, ...rest);
      const safe = redactor.redact(text);
      if (!toFile) return done ? write(safe, 'utf8', done) : write(safe, 'utf8');
      if (!failed) {
        try {
          writeAll(fd, Buffer.from(safe, 'utf8'));
        } catch (error) {
          failed = true;
          unwritable ??= cannotWrite(name, error as NodeJS.ErrnoException);
        }
      }
      if (done) process.nextTick(done);
      return true;
    }) as typeof stream.write;
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
      // Asked where a person sees it: on stdout, or on stderr when stdout goes to a pipe or a file;
      // with nobody to see it (both redirected, or the reader of stdout gone), there is no answer.
      const output =
        process.stdout.isTTY && !readerGone.has(process.stdout)
          ? process.stdout
          : process.stderr.isTTY && !readerGone.has(process.stderr)
            ? process.stderr
            : null;
      if (!process.stdin.isTTY || !output) return null;
      const rl = createInterface({ input: process.stdin, output });
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
