import kleur from 'kleur';
import type { CheckResult, Status } from '../engine/types.ts';
import type { RunSummary } from './json.ts';

export const ICON: Record<Status, string> = { pass: '✔', warn: '⚠', fail: '✖', skip: '↓' };

export function paint(status: Status, text: string): string {
  switch (status) {
    case 'pass':
      return kleur.green(text);
    case 'warn':
      return kleur.yellow(text);
    case 'fail':
      return kleur.red(text);
    case 'skip':
      return kleur.gray(text);
  }
}

/** One line per check, for the live view and for plain output. */
export function checkLine(result: CheckResult): string {
  const code = result.code && result.code !== 'DEPENDENCY_NOT_MET' ? ` ${kleur.bold(result.code)}` : '';
  const summary = result.status === 'skip' ? `skipped: ${result.summary}` : result.summary;
  return `${result.title}${code} ${kleur.dim('—')} ${summary}`;
}

/** After the live view: what is wrong, what to do, and one verdict. */
export function summaryText(run: RunSummary, strict: boolean, partial: boolean): string {
  const lines: string[] = [];
  const problems = run.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  const shownFixes = new Map<string, string>();
  for (const r of problems) {
    lines.push('');
    lines.push(`${paint(r.status, ICON[r.status])} ${kleur.bold(r.id)}  ${paint(r.status, r.code ?? '')}`);
    lines.push(`  ${r.summary}`);
    for (const d of r.details) lines.push(kleur.dim(`  · ${d}`));
    if (r.fix) {
      lines.push(`  ${kleur.cyan('Fix:')} ${r.fix.summary}`);
      // One cause often breaks several runtimes with one cure: the commands are said once.
      const key = r.fix.commands.join('\n');
      const earlier = r.fix.commands.length ? shownFixes.get(key) : undefined;
      if (earlier) lines.push(kleur.dim(`    (the same commands as for ${earlier})`));
      else for (const c of r.fix.commands) lines.push(`    ${kleur.dim('$')} ${c}`);
      if (!earlier) shownFixes.set(key, r.id);
    }
  }
  const skipped = run.results.filter((r) => r.status === 'skip');
  if (skipped.length) {
    lines.push('');
    lines.push(kleur.gray(`↓ not checked: ${skipped.map((r) => `${r.id} (${r.summary})`).join(', ')}`));
  }
  lines.push('');
  lines.push(verdictLine(run, strict, partial));
  return lines.join('\n');
}

export function verdictLine(run: RunSummary, strict: boolean, partial: boolean): string {
  const text = plainVerdict(run, strict, partial);
  const fails = run.results.some((r) => r.status === 'fail');
  const warns = run.results.some((r) => r.status === 'warn');
  if (fails || (warns && strict)) return kleur.red().bold(text);
  if (warns || run.results.length === 0) return kleur.yellow().bold(text);
  return kleur.green().bold(text);
}

/** The closing verdict, without colour: for terminals, reports and job summaries alike. */
export function plainVerdict(
  run: Pick<RunSummary, 'results' | 'durationMs'>,
  strict: boolean,
  partial = false,
): string {
  const fails = run.results.filter((r) => r.status === 'fail');
  const warns = run.results.filter((r) => r.status === 'warn');
  const seconds = `${(run.durationMs / 1000).toFixed(1)} s`;
  const list = (rs: CheckResult[]) => rs.map((r) => `${r.id} (${r.code})`).join(', ');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (fails.length) {
    const also = warns.length ? `, ${plural(warns.length, 'warning')}` : '';
    return `✖ ${plural(fails.length, 'problem')}${also}: ${list(fails)}. Fix ${fails.length === 1 ? 'it' : 'them'} and run again. (${seconds})`;
  }
  if (warns.length) {
    const verb = strict ? '✖ failing under --strict' : '⚠ usable';
    return `${verb}, with ${plural(warns.length, 'warning')}: ${list(warns)} (${seconds})`;
  }
  if (run.results.length === 0) return 'no checks were run';
  const what = partial
    ? `the ${run.results.length} selected checks passed`
    : `${run.results.length} checks passed: Eliza works from here`;
  return `✔ All ${what} (${seconds})`;
}
