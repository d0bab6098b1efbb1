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
            await writeAtomic(backup, change.before, change.mode);
            backupsMade.push(backup);
          }
        }
        manifest.entries[change.target] = { created: change.before === null, backup, kind: change.kind };
      }
      await fs.mkdir(path.dirname(change.target), { recursive: true });
      await writeAtomic(change.target, change.after, change.mode);
      done.push(change);
    }
    await fs.mkdir(dataDir, { recursive: true });
    await writeAtomic(manifestPath, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 0o644);
  } catch (error) {
    for (const change of done.reverse()) {
      if (change.before) await writeAtomic(change.target, change.before, change.mode).catch(() => undefined);
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
}

/** Puts back what `fix` changed: byte for byte where the file was not touched since. */
export async function undoChanges(dataDir: string): Promise<UndoReport | null> {
  const manifestPath = path.join(dataDir, MANIFEST);
  const manifest = await readManifest(manifestPath);
  if (!manifest) return null;
  const report: UndoReport = { restored: [], removed: [], edited: [] };
  for (const [target, entry] of Object.entries(manifest.entries)) {
    const current = await fs.readFile(target).catch(() => null);
    if (entry.created) {
      if (current === null) continue;
      const rest = entry.kind === 'startup' ? withoutBlock(current.toString('utf8')) : '';
      if (rest.trim() === '') {
        await fs.rm(target, { force: true });
        report.removed.push(target);
      } else {
        await writeAtomic(target, Buffer.from(rest), 0o644);
        report.edited.push(target);
      }
      continue;
    }
    const original = entry.backup ? await fs.readFile(entry.backup).catch(() => null) : null;
    if (current === null || original === null) continue;
    const mode = (await fs.stat(target)).mode & 0o777;
    const stripped = entry.kind === 'startup' ? withoutBlock(current.toString('utf8')) : null;
    // Untouched since the fix (but for the doctor's block): the backup goes back byte for byte.
    const untouched = stripped !== null && stripped.trimEnd() === original.toString('utf8').trimEnd();
    if (entry.kind !== 'startup' || untouched) {
      await writeAtomic(target, original, mode);
      report.restored.push(target);
    } else {
      await writeAtomic(target, Buffer.from(stripped!), mode);
      report.edited.push(target);
    }
    if (entry.backup) await fs.rm(entry.backup, { force: true });
  }
  await fs.rm(manifestPath, { force: true });
  await fs.rmdir(dataDir).catch(() => undefined);
  return report;
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
