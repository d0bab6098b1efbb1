import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/**
 * A temporary file beside the target, synced, then renamed over it: never a half-written file.
 * `mode` null: a new file, 0644 less the umask (the kernel applies it); a number: exactly that,
 * to keep an existing file's mode. `owner`: kept when root writes someone else's file (the
 * rename would otherwise hand it to root); only root can give a file away.
 */
export async function writeAtomic(
  target: string,
  content: Buffer,
  mode: number | null,
  owner: Owner | null = null,
): Promise<void> {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await fs.open(temp, 'wx', mode ?? 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (mode !== null) await fs.chmod(temp, mode);
    if (owner && process.getuid?.() === 0) await fs.chown(temp, owner.uid, owner.gid);
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
