import { createInterface } from 'node:readline/promises';
import type { Io } from '../cli/io.ts';
import { realHost } from '../host.ts';
import { Redactor } from '../secret.ts';

/**
 * The process's Io: every byte written to stdout or stderr, by the doctor or by a library it
 * uses (listr2 draws directly), passes the redactor first, the last line of defence for secrets.
 */
export function processIo(args: string[]): Io {
  const redactor = new Redactor();
  for (const stream of [process.stdout, process.stderr]) {
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
