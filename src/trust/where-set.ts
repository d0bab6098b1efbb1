import type { Host } from '../host.ts';
import { findAssignments, type ShellKind, startupFiles } from './shell.ts';

/**
 * The startup files and lines that set a variable, for a fix that says where to remove it. Only
 * places, never values: this is asked about token variables too.
 */
export async function whereSet(host: Host, name: string): Promise<{ file: string; line: number }[]> {
  const found: { file: string; line: number }[] = [];
  const seen = new Set<string>();
  for (const kind of ['bash', 'zsh', 'fish'] as ShellKind[]) {
    for (const file of startupFiles(kind, host.home, host.env)) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      const bytes = await host.readFile(file.path, 1024 * 1024).catch(() => null);
      if (!bytes || bytes.includes(0)) continue;
      for (const a of findAssignments(file.path, bytes.toString('utf8'), kind, [name], host.home))
        found.push({ file: a.file, line: a.line });
    }
  }
  return found;
}
