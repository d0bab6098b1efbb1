import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeAtomic } from '../atomic.ts';
import { withoutBlock } from '../trust/shell.ts';
import type { FileChange } from './plan.ts';

/** What the doctor changed, so that `fix --undo` can put it back. Kept in the doctor's data folder. */
interface Manifest {
  version: 1;
  entries: Record<string, { created: boolean; backup: string | null; kind: FileChange['kind'] }>;
}

export const BACKUP_SUFFIX = '.eliza-doctor.bak';
const MANIFEST = 'manifest.json';

export class FixError extends Error {}

/**
 * Writes every change atomically (a temporary file beside it, then rename), keeping a one-time
 * backup of each file it had to change. If one write fails, the ones already made are undone,
 * so the files are either all changed or all as they were.
 */
export async function applyChanges(changes: FileChange[], dataDir: string): Promise<void> {
  const manifestPath = path.join(dataDir, MANIFEST);
  const previous = await readManifest(manifestPath);
  const manifest: Manifest = { version: 1, entries: { ...previous?.entries } };
  const done: FileChange[] = [];
  const backupsMade: string[] = [];
  try {
    for (const change of changes) {
      if (!manifest.entries[change.target]) {
        let backup: string | null = null;
        if (change.before) {
          backup = `${change.target}${BACKUP_SUFFIX}`;
          if (!(await exists(backup))) {
            await writeAtomic(backup, change.before, change.mode, change.owner);
            backupsMade.push(backup);
          }
        }
        manifest.entries[change.target] = { created: change.before === null, backup, kind: change.kind };
      }
      await fs.mkdir(path.dirname(change.target), { recursive: true });
      await writeAtomic(change.target, change.after, change.mode, change.owner);
      done.push(change);
    }
    await fs.mkdir(dataDir, { recursive: true });
    await writeAtomic(manifestPath, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), null);
  } catch (error) {
    for (const change of done.reverse()) {
      if (change.before)
        await writeAtomic(change.target, change.before, change.mode, change.owner).catch(() => undefined);
      else await fs.rm(change.target, { force: true }).catch(() => undefined);
    }
    for (const backup of backupsMade) await fs.rm(backup, { force: true }).catch(() => undefined);
    const code = (error as { code?: string }).code;
    const where = (error as { path?: string }).path;
    throw new FixError(
      `could not write ${where ?? 'a file'} (${code ?? (error as Error).message}); every file was put back as it was`,
    );
  }
}

export interface UndoReport {
  restored: string[];
  removed: string[];
  /** Files edited since the fix: only the doctor's block was taken out. */
  edited: string[];
  /** Entries that could not be put back, with why; they stay in the manifest for another try. */
  failed: { target: string; reason: string }[];
}

/**
 * Puts back what `fix` changed: byte for byte where the file was not touched since. An entry
 * that cannot be put back (a folder made read-only, a file now owned by someone else) does not
 * stop the others; it is reported and stays in the manifest, so that a later --undo can finish.
 */
export async function undoChanges(dataDir: string): Promise<UndoReport | null> {
  const manifestPath = path.join(dataDir, MANIFEST);
  const manifest = await readManifest(manifestPath);
  if (!manifest) return null;
  const report: UndoReport = { restored: [], removed: [], edited: [], failed: [] };
  const remaining: Manifest = { version: 1, entries: {} };
  for (const [target, entry] of Object.entries(manifest.entries)) {
    try {
      await undoOne(target, entry, report);
    } catch (error) {
      const code = (error as { code?: string }).code;
      report.failed.push({ target, reason: code ?? (error as Error).message });
      remaining.entries[target] = entry;
    }
  }
  if (report.failed.length > 0) {
    await writeAtomic(manifestPath, Buffer.from(`${JSON.stringify(remaining, null, 2)}\n`), null).catch(
      (error: unknown) => {
        report.failed.push({
          target: manifestPath,
          reason: `the list of what is left could not be saved (${(error as { code?: string }).code ?? error})`,
        });
      },
    );
    return report;
  }
  await fs.rm(manifestPath, { force: true });
  await fs.rmdir(dataDir).catch(() => undefined);
  return report;
}

async function undoOne(
  target: string,
  entry: Manifest['entries'][string],
  report: UndoReport,
): Promise<void> {
  const current = await fs.readFile(target).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  const stats = current === null ? null : await fs.stat(target);
  const mode = stats ? stats.mode & 0o777 : null;
  const owner = stats ? { uid: stats.uid, gid: stats.gid } : null;
  if (entry.created) {
    if (current === null) return;
    const rest = entry.kind === 'startup' ? withoutBlock(current.toString('utf8')) : '';
    if (rest.trim() === '') {
      await fs.rm(target);
      report.removed.push(target);
    } else {
      await writeAtomic(target, Buffer.from(rest), mode, owner);
      report.edited.push(target);
    }
    return;
  }
  const original = entry.backup
    ? await fs.readFile(entry.backup).catch((error: { code?: string }) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      })
    : null;
  if (current === null || original === null) return;
  const stripped = entry.kind === 'startup' ? withoutBlock(current.toString('utf8')) : null;
  // Untouched since the fix (but for the doctor's block): the backup goes back byte for byte.
  const untouched = stripped !== null && stripped.trimEnd() === original.toString('utf8').trimEnd();
  if (entry.kind !== 'startup' || untouched) {
    await writeAtomic(target, original, mode, owner);
    report.restored.push(target);
  } else {
    await writeAtomic(target, Buffer.from(stripped!), mode, owner);
    report.edited.push(target);
  }
  if (entry.backup) await fs.rm(entry.backup, { force: true });
}

async function readManifest(file: string): Promise<Manifest | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
    if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) {
      throw new FixError(`${file} is not a manifest this version of eliza-doctor knows; nothing was changed`);
    }
    return parsed;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    if (error instanceof FixError) throw error;
    throw new FixError(`${file} is damaged (${(error as Error).message}); nothing was changed`);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
