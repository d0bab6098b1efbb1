/**
 * The launcher's own answers (--version, list), bundled on their own (dist/lazy/answer.js) and
 * written as the doctor writes: to a file or device every byte, or exit 3 saying why; to a pipe,
 * a reader that left is no error.
 */
import { cannotWrite, isFileLike, writeAll } from './whole-write.ts';

function fail(error: NodeJS.ErrnoException): void {
  process.stderr.write(`eliza-doctor: ${cannotWrite('stdout', error)}\n`);
  process.exitCode = 3;
}

export function answer(text: string): void {
  if (isFileLike(1)) {
    try {
      writeAll(1, Buffer.from(text));
    } catch (error) {
      fail(error as NodeJS.ErrnoException);
    }
    return;
  }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') fail(error);
  });
  process.stdout.write(text);
}
