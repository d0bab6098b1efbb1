/**
 * Output written whole or not at all, said in words: shared by the doctor's Io (output.ts) and
 * the launcher's own answers (answer.ts), which must not load the doctor.
 */
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** A file or a device (not a terminal, pipe or socket), which Node writes to in one write(2). */
export function isFileLike(fd: number): boolean {
  try {
    const stats = fstatSync(fd);
    return stats.isFile() || (stats.isCharacterDevice() && !isatty(fd));
  } catch {
    return false;
  }
}

/** Every byte, or an error that says why not: Node's own write to a file does not look at how much went. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length; ) {
    const wrote = writeSync(fd, bytes, written);
    if (wrote === 0) throw Object.assign(new Error('nothing written'), { code: 'EIO' });
    written += wrote;
  }
}

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  EFBIG: 'the file-size limit of ulimit -f is reached',
  EIO: 'an input/output error',
};

/** Why the output stopped, and what to do: the run's outcome is not in an output cut short. */
export function cannotWrite(name: string, error: NodeJS.ErrnoException): string {
  const code = error.code ?? error.message;
  return `cannot write to ${name}: ${code}${WHY[code] ? ` (${WHY[code]})` : ''}; the output is incomplete, write it where there is room and run again`;
}
