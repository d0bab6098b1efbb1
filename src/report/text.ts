import kleur from 'kleur';
import type { ClientFacts } from '../clients/types.ts';
import type { CheckResult, Fix, Status } from '../engine/types.ts';
import type { RunSummary } from './json.ts';

/** How the text view is drawn on this output. */
export interface TextStyle {
  icons: Record<Status, string>;
  /** Between a check's title and its summary: an em dash, or a hyphen for ASCII. */
  dash: string;
  /** Lines are kept within this many columns; null: as long as they are (a log, a pipe). */
  width: number | null;
  /** Pass lines with their details, and every detail of every problem. */
  verbose: boolean;
}

const UNICODE_ICONS: Record<Status, string> = { pass: '✔', warn: '⚠', fail: '✖', skip: '↓' };
const ASCII_ICONS: Record<Status, string> = { pass: '+', warn: '!', fail: 'x', skip: '-' };

/** Kept for views that draw one check at a time (fix, the live view) with the default style. */
export const ICON = UNICODE_ICONS;

export function textStyle(options: {
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  columns: number | undefined;
  verbose: boolean;
}): TextStyle {
  const { env } = options;
  // A locale that is set and is not UTF-8 (C, POSIX, latin1) cannot show the symbols.
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  const icons = locale && !/utf-?8/i.test(locale) ? ASCII_ICONS : UNICODE_ICONS;
  // A terminal that reports no width (0) gets the classic 80; COLUMNS speaks for a pipe.
  const fromEnv = Number(env.COLUMNS);
  const width = options.isTTY
    ? options.columns || 80
    : Number.isInteger(fromEnv) && fromEnv > 0
      ? fromEnv
      : null;
  return { icons, dash: icons === ASCII_ICONS ? '-' : '—', width, verbose: options.verbose };
}

const DEFAULT_STYLE: TextStyle = { icons: UNICODE_ICONS, dash: '—', width: null, verbose: false };

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

/** One line per check, for the live view and for plain output: within the width unless verbose. */
export function checkLine(result: CheckResult, style: TextStyle = DEFAULT_STYLE): string {
  const code = result.code && result.code !== 'DEPENDENCY_NOT_MET' ? ` ${kleur.bold(result.code)}` : '';
  const summary = result.status === 'skip' ? `skipped: ${result.summary}` : result.summary;
  const line = `${result.title}${code} ${kleur.dim(style.dash)} ${summary}`;
  // The icon and its space take two columns.
  return style.verbose || style.width === null ? line : fitLine(line, style.width - 2);
}

export function statusLine(result: CheckResult, style: TextStyle = DEFAULT_STYLE): string {
  const line = `${paint(result.status, style.icons[result.status])} ${checkLine(result, style)}`;
  if (!style.verbose || result.status !== 'pass' || result.details.length === 0) return line;
  return [
    line,
    ...result.details.flatMap((d) => wrap(d, style.width, '    · ', '      ')).map(kleur.dim),
  ].join('\n');
}

/** A group of results with one cause: the same code, or the same automated fix. */
interface Problem {
  results: CheckResult[];
  fix: Fix | null;
  /** From --only/--skip's hidden prerequisites. */
  hidden: boolean;
}

function problemsOf(run: Pick<RunSummary, 'results' | 'prerequisites'>): Problem[] {
  const shown = run.results.filter((r) => r.status === 'fail' || r.status === 'warn');
  const hidden = run.prerequisites.filter((r) => r.status === 'fail');
  const groups = new Map<string, Problem>();
  for (const [r, isHidden] of [
    ...shown.map((r) => [r, false] as const),
    ...hidden.map((r) => [r, true] as const),
  ]) {
    const key = r.fix?.automated ? `fix:${r.fix.summary}\n${r.fix.commands.join('\n')}` : `code:${r.code}`;
    const group = groups.get(key);
    if (group) {
      group.results.push(r);
      group.fix ??= r.fix;
    } else groups.set(key, { results: [r], fix: r.fix, hidden: isHidden });
  }
  return [...groups.values()];
}

/** After the live view: each problem once with its fix, then one verdict with the next step. */
export function summaryText(
  run: RunSummary,
  strict: boolean,
  partial: boolean,
  style: TextStyle = DEFAULT_STYLE,
): string {
  const lines: string[] = [];
  const add = (text: string, first = '  ', rest = '    ') =>
    lines.push(...wrap(text, style.width, first, rest));
  for (const problem of problemsOf(run)) {
    const worst = problem.results.some((r) => r.status === 'fail') ? 'fail' : 'warn';
    const icon = paint(worst, style.icons[worst]);
    lines.push('');
    const [first] = problem.results;
    if (problem.results.length === 1 && first) {
      const hidden = problem.hidden ? kleur.dim(' (a prerequisite of the checks you selected)') : '';
      lines.push(`${icon} ${kleur.bold(first.id)}  ${paint(worst, first.code ?? '')}${hidden}`);
      add(first.summary);
      for (const d of style.verbose ? first.details : first.details.slice(0, 3))
        add(kleur.dim(`· ${d}`), '  ', '    ');
      if (!style.verbose && first.details.length > 3)
        add(kleur.dim(`· … ${first.details.length - 3} more with -v`));
    } else {
      // Each member's own line is in the list above; here they are one problem with one fix.
      lines.push(`${icon} ${kleur.bold(problem.results.map((r) => r.id).join(', '))}: one cause`);
      if (style.verbose) {
        for (const r of problem.results) {
          add(`· ${r.code}: ${r.summary}`);
          for (const d of r.details) add(kleur.dim(`· ${d}`), '      ', '        ');
        }
      }
    }
    const working = clientsWorkingAnyway(run, problem.results);
    if (working)
      add(
        kleur.green(
          `Your AI clients reach Eliza all the same: ${working}; this is about Node programs of your own.`,
        ),
      );
    if (problem.fix) {
      add(`${kleur.cyan('Fix:')} ${problem.fix.summary}`);
      for (const c of problem.fix.commands) lines.push(`    ${kleur.dim('$')} ${c}`);
    }
  }
  lines.push('');
  lines.push(...wrap(verdictLine(run, strict, partial, style), style.width, '', '  '));
  return lines.join('\n');
}

export function verdictLine(
  run: RunSummary,
  strict: boolean,
  partial: boolean,
  style: TextStyle = DEFAULT_STYLE,
): string {
  const symbols: [string, Status][] = [
    ['✖', 'fail'],
    ['⚠', 'warn'],
    ['✔', 'pass'],
  ];
  // The verdict's own symbol follows the style (reports keep the Unicode one).
  const text = symbols.reduce(
    (t, [symbol, status]) => (t.startsWith(symbol) ? style.icons[status] + t.slice(symbol.length) : t),
    plainVerdict(run, strict, partial),
  );
  const fails = [...run.results, ...run.prerequisites].some((r) => r.status === 'fail');
  const warns = run.results.some((r) => r.status === 'warn');
  const interrupted = [...run.results, ...run.prerequisites].some((r) => r.code === 'INTERRUPTED');
  if (fails || interrupted || (warns && strict)) return kleur.red().bold(text);
  if (warns || run.results.length === 0) return kleur.yellow().bold(text);
  return kleur.green().bold(text);
}

/** The closing verdict, without colour: for terminals, reports and job summaries alike. */
export function plainVerdict(
  run: Pick<RunSummary, 'results' | 'prerequisites' | 'durationMs'>,
  strict: boolean,
  partial = false,
): string {
  const seconds = `${(run.durationMs / 1000).toFixed(1)} s`;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const interrupted = [...run.results, ...run.prerequisites].filter((r) => r.code === 'INTERRUPTED');
  if (interrupted.length) {
    const done = run.results.filter((r) => r.code !== 'INTERRUPTED' && r.status !== 'skip').length;
    return `✖ Interrupted: ${done} of ${run.results.length} checks finished; the rest were not run (${seconds})`;
  }
  const problems = problemsOf(run);
  const failing = problems.filter((p) => p.results.some((r) => r.status === 'fail'));
  const warning = problems.filter((p) => !failing.includes(p));
  // A group's members are listed in its block above: the verdict names the first, to fit a line.
  const name = (p: Problem) =>
    p.results.length > 2
      ? `${p.results[0]!.id} and ${p.results.length - 1} more (one cause)`
      : p.results.length > 1
        ? `${p.results.map((r) => r.id).join(', ')} (one cause)`
        : `${p.results[0]!.id} (${p.results[0]!.code}${p.hidden ? ', a prerequisite' : ''})`;
  const next = (p: Problem | undefined) => {
    const command = p?.fix?.commands[0];
    // A long command (the demo's, with its loopback options) is said once, above.
    if (command) return command.length <= 60 ? ` Next: ${command}` : ' Next: the command above.';
    return p?.fix ? ` Next: ${p.fix.summary}.` : '';
  };
  if (failing.length) {
    const also = warning.length ? `, ${plural(warning.length, 'warning')}` : '';
    const working = failing.length === 1 ? clientsWorkingAnyway(run, failing[0]!.results) : null;
    const clients = working ? ` Your AI clients work: ${working}.` : '';
    return `✖ ${plural(failing.length, 'problem')}${also}: ${failing.map(name).join('; ')}.${clients}${next(failing[0])} (${seconds})`;
  }
  if (warning.length) {
    const verb = strict ? '✖ failing under --strict' : '⚠ usable';
    return `${verb}, with ${plural(warning.length, 'warning')}: ${warning.map(name).join('; ')} (${seconds})`;
  }
  if (run.results.length === 0) return 'no checks were run';
  // A client that is not on this machine is not a check that passed.
  const absent = run.results.filter((r) => r.code === 'CLIENT_NOT_FOUND').length;
  const judged = run.results.length - absent;
  const what = partial
    ? `the ${judged} selected checks passed`
    : `${judged} checks passed: Eliza works from here`;
  const clients = absent ? `; ${plural(absent, 'AI client')} not found` : '';
  return `✔ All ${what}${clients} (${seconds})`;
}

/**
 * When the one problem is Node's own trust and every AI client found trusts the gateway its own
 * way (the OS store), the clients by name: the user's tools work, and the report must say so.
 */
function clientsWorkingAnyway(run: Pick<RunSummary, 'results'>, problem: CheckResult[]): string | null {
  if (!problem.every((r) => r.id === 'trust-node')) return null;
  const clients = run.results.filter((r) => r.id.startsWith('client-') && r.code !== 'CLIENT_NOT_FOUND');
  const working = clients.filter(
    (r) => r.status === 'pass' && (r.data as Partial<ClientFacts> | null)?.trustedVia,
  );
  if (working.length === 0 || working.length !== clients.filter((r) => r.code !== 'CLIENT_NOT_ELIZA').length)
    return null;
  return working.map((r) => `${r.title} (${(r.data as ClientFacts).trustedVia})`).join(', ');
}

/** Visible length: colour codes take no columns. */
function visible(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is measured away
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** One line within the width, cut with an ellipsis (colours reset, so nothing bleeds). */
export function fitLine(line: string, width: number): string {
  if (visible(line) <= width) return line;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are dropped from a cut line
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  return `${plain.slice(0, Math.max(1, width - 1))}…`;
}

/** Text wrapped at word boundaries within the width, with a first-line and a continuation indent. */
function wrap(text: string, width: number | null, first: string, rest: string): string[] {
  if (width === null || visible(first + text) <= width) return [first + text];
  const words = text.split(' ');
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    const candidate = empty ? line + word : `${line} ${word}`;
    if (!empty && visible(candidate) > width) {
      lines.push(line);
      line = rest + word;
    } else line = candidate;
    empty = false;
  }
  lines.push(line);
  return lines;
}
