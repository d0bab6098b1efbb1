/**
 * The client side of `fix`: each client check whose failure a config edit cures names a fixer
 * here; the fixer says what its client's files should become, and `fix` shows, writes, backs up,
 * re-checks and undoes those edits like every other change it makes.
 */
import { promises as fs } from 'node:fs';
import type { DoctorConfig } from '../config.ts';
import type { CheckResult } from '../engine/types.ts';
import { addFile, type Plan } from '../fixes/plan.ts';
import type { Host } from '../host.ts';

export interface ClientFixInput {
  host: Host;
  /** The failed or warning client check's result (its data is the client's ClientFacts and more). */
  result: CheckResult;
  results: Map<string, CheckResult>;
  config: DoctorConfig;
  /** The verified internal CA bundle that `fix` installs (written by this same fix when needed). */
  caPath: string;
}

export interface ClientEdit {
  /** The file as the user names it (a symlink is followed when written). */
  file: string;
  /** The whole new content: the fixer edits the current text in place, keeping the rest. */
  after: string;
  why: string;
}

export interface ClientFixPlan {
  edits: ClientEdit[];
  /** Shown after the changes: what takes effect when. */
  notes: string[];
  /** Shown, not run: what only the user (or --system) can do. */
  manual: string[];
  /** Whether an edit names caPath, so that the fix must install the CA bundle there. */
  usesCaFile: boolean;
}

export type ClientFixer = (input: ClientFixInput) => Promise<ClientFixPlan>;

/** By check id: one line per client whose config `fix` can edit. */
export const CLIENT_FIXERS: Record<string, ClientFixer> = {};

/** The client checks that failed or warned with a fix that `fix` can apply. */
export function clientsNeedingFix(results: CheckResult[]): CheckResult[] {
  return results.filter(
    (r) => r.id in CLIENT_FIXERS && (r.status === 'fail' || r.status === 'warn') && r.fix?.automated,
  );
}

/** Adds every client's edits to the plan; true when one of them relies on the installed CA file. */
export async function planClientFixes(
  plan: Plan,
  broken: CheckResult[],
  input: Omit<ClientFixInput, 'result'>,
): Promise<boolean> {
  const { host } = input;
  const shown = (p: string) => (p.startsWith(`${host.home}/`) ? `~/${p.slice(host.home.length + 1)}` : p);
  let usesCaFile = false;
  for (const result of broken) {
    const fixer = CLIENT_FIXERS[result.id];
    if (!fixer) continue;
    const part = await fixer({ ...input, result });
    usesCaFile ||= part.usesCaFile;
    for (const edit of part.edits) {
      const target = await fs.realpath(edit.file).catch(() => edit.file);
      const label = target === edit.file ? shown(edit.file) : `${shown(edit.file)} -> ${target}`;
      await addFile(plan, host, target, label, 'client', edit.after, edit.why);
    }
    plan.notes.push(...part.notes);
    plan.manualCommands.push(...part.manual);
  }
  return usesCaFile;
}
