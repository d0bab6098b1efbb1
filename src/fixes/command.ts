import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import kleur from 'kleur';
import type { DoctorConfig } from '../config.ts';
import { diagnose, registry } from '../doctor.ts';
import type { CheckResult } from '../engine/types.ts';
import type { Host } from '../host.ts';
import { checkLine, ICON, paint } from '../report/text.ts';
import { doctorDataDir } from '../trust/locations.ts';
import { ANCHOR_DIRS, readSystemStore } from '../trust/system.ts';
import { resolveNewTerminal } from '../trust/terminal.ts';
import { applyChanges, FixError, undoChanges } from './apply.ts';
import { unifiedDiff } from './diff.ts';
import { FIXABLE, needsFix, type Plan, planTrustFix } from './plan.ts';

export interface FixOptions {
  config: DoctorConfig;
  host: Host;
  yes: boolean;
  dryRun: boolean;
  system: boolean;
  undo: boolean;
  /** The flags that say where the gateway is, passed on to the re-check. */
  targetArgs: string[];
  signal: AbortSignal;
}

const out = (line = '') => process.stdout.write(`${line}\n`);

export async function runFix(options: FixOptions): Promise<number> {
  const { host } = options;
  const dataDir = doctorDataDir(host);
  if (options.undo) return undo(dataDir, options.dryRun);

  process.stderr.write('Diagnosing...\n');
  const run = await diagnose({
    config: options.config,
    host,
    selected: new Set(registry.map((c) => c.id)),
    signal: options.signal,
  });
  const results = new Map(run.results.map((r) => [r.id, r]));
  for (const id of ['ca-bundle', 'tls', ...FIXABLE]) {
    const r = results.get(id)!;
    out(`${paint(r.status, ICON[r.status])} ${checkLine(r)}`);
  }
  const bundle = results.get('ca-bundle')!;
  const bundleOk =
    (bundle.status === 'pass' || bundle.status === 'warn') && !!(bundle.data as { pem?: string }).pem;
  const unjudged = FIXABLE.map((id) => results.get(id)!).filter((r) => r.code === 'DEPENDENCY_NOT_MET');
  const broken = needsFix(run.results);
  if (!bundleOk && (unjudged.length > 0 || broken.length > 0)) {
    out();
    out(
      kleur.red(
        `Cannot fix: there is no verified internal CA to install (${bundle.code}: ${bundle.summary}).`,
      ),
    );
    out('Nothing was changed.');
    return 1;
  }
  if (unjudged.length > 0) {
    const cause = run.results.find((r) => r.status === 'fail' && ['dns', 'tcp', 'tls'].includes(r.id));
    const why = cause ? `${cause.id} failed (${cause.code}: ${cause.summary})` : 'a prerequisite failed';
    out();
    out(kleur.red(`Cannot fix: the trust checks could not run because ${why}.`));
    out('That is not something fix can repair; run eliza-doctor for the details. Nothing was changed.');
    return 1;
  }
  if (broken.length === 0) {
    out();
    out(kleur.green('Nothing to fix: Node, Python, curl and git trust the gateway.'));
    if (results.get('trust-node')?.code === 'TRUST_NODE_NEW_SHELL_ONLY') {
      out('This shell predates the fix: open a new terminal, or run eval "$(eliza-doctor env)".');
    }
    return 0;
  }
  if (options.system && !hasSystemRights()) {
    out(kleur.red('--system writes to the OS store and needs root: run it with sudo. Nothing was changed.'));
    return 1;
  }
  const terminal = await resolveNewTerminal(host, { timeoutMs: options.config.timeoutMs });
  const store = await readSystemStore(host, options.config.caSha256);
  const plan = await planTrustFix({
    host,
    results,
    scan: terminal.scan,
    terminalEnv: terminal.env,
    store,
    system: options.system,
  });
  showPlan(plan, options.dryRun);
  if (plan.changes.length === 0) {
    out(kleur.green('Everything the fix writes is already in place.'));
    return 0;
  }
  if (options.dryRun) {
    out(kleur.dim('Dry run: nothing was changed.'));
    return 0;
  }
  if (!options.yes) {
    if (!process.stdin.isTTY || process.env.CI) {
      out(
        kleur.yellow(
          'Not applied: there is no terminal to ask on. Run eliza-doctor fix --yes to apply. Nothing was changed.',
        ),
      );
      return 1;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Apply these changes? [y/N] ').finally(() => rl.close());
    if (!/^y(es)?$/i.test(answer.trim())) {
      out('Nothing was changed.');
      return 1;
    }
  }
  try {
    // Ctrl-C from here on is held (the signal handler only marks it): every file is written whole.
    await applyChanges(plan.changes, dataDir);
  } catch (error) {
    if (error instanceof FixError) {
      out(kleur.red(`Fix failed: ${error.message}`));
      return 1;
    }
    throw error;
  }
  out(
    kleur.green(
      `Changed ${plan.changes.length} file${plan.changes.length === 1 ? '' : 's'}; the originals are kept beside them as *.eliza-doctor.bak.`,
    ),
  );
  if (options.signal.aborted) {
    out(kleur.yellow('Interrupted: the changes above were written in full; the re-check was not run.'));
    return 130;
  }
  for (const command of plan.systemCommands) {
    const [file, ...args] = command.split(' ');
    const result = await host.exec(file!, args, { env: host.env, timeoutMs: 60_000 });
    out(
      result.code === 0
        ? kleur.green(`ran ${command}`)
        : kleur.red(
            `${command} failed (${result.code ?? result.error}): ${result.stderr.trim().split('\n')[0] ?? ''}`,
          ),
    );
  }
  return recheck(options);
}

function showPlan(plan: Plan, diff: boolean): void {
  out();
  out(kleur.bold(diff ? 'The fix would change:' : 'The fix will change:'));
  for (const change of plan.changes) {
    out(`  ${change.before ? 'update' : 'create'} ${change.shown}  ${kleur.dim(`(${change.why})`)}`);
    if (diff && change.kind === 'startup') {
      const text = unifiedDiff(
        change.target,
        change.before?.toString('utf8') ?? null,
        change.after.toString('utf8'),
      );
      for (const line of text.trimEnd().split('\n')) out(`    ${colorDiff(line)}`);
    } else if (diff) {
      out(
        kleur.dim(
          `    ${change.after.toString('utf8').match(/BEGIN CERTIFICATE/g)?.length ?? 0} certificates`,
        ),
      );
    }
  }
  if (!diff) {
    const lines = plan.changes.find((c) => c.kind === 'startup');
    if (lines) {
      out(kleur.dim('  each startup file gets this block:'));
      const text = lines.after.toString('utf8');
      const block = text.slice(text.indexOf('# >>> eliza-doctor >>>')).split(/\r?\n/).filter(Boolean);
      for (const line of block) out(kleur.dim(`    ${line}`));
    }
  }
  for (const skipped of plan.skipped) out(kleur.yellow(`  leave ${skipped.shown} alone: ${skipped.reason}`));
  if (plan.manualCommands.length) {
    out(kleur.dim('  the OS store (what other programs use) needs root; add --system to do it, or run:'));
    for (const c of plan.manualCommands) out(kleur.dim(`    $ ${c}`));
  }
  out();
}

function colorDiff(line: string): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return kleur.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return kleur.red(line);
  return line;
}

async function undo(dataDir: string, dryRun: boolean): Promise<number> {
  if (dryRun) {
    out(
      '--undo --dry-run: nothing is changed; without --dry-run, the files listed in the manifest are put back.',
    );
    return 0;
  }
  const report = await undoChanges(dataDir).catch((error: unknown) => {
    if (error instanceof FixError) {
      out(kleur.red(error.message));
      return 'failed' as const;
    }
    throw error;
  });
  if (report === 'failed') return 1;
  if (!report) {
    out('Nothing to undo: eliza-doctor fix has not changed anything here.');
    return 0;
  }
  for (const f of report.restored) out(`restored ${f}`);
  for (const f of report.removed) out(`removed ${f}`);
  // The OS bundle is built from the anchor folders: it forgets the CA only when rebuilt.
  const anchor = ANCHOR_DIRS.find((a) => report.removed.some((f) => f.startsWith(`${a.dir}/`)));
  if (anchor) out(kleur.yellow(`the OS bundle still holds the CA until it is rebuilt: run ${anchor.update}`));
  for (const f of report.edited)
    out(
      kleur.yellow(`took the eliza-doctor block out of ${f} (edited since the fix, so not restored whole)`),
    );
  out(kleur.green('Undone. Open a new terminal for it to take effect.'));
  return 0;
}

/**
 * Proof, not hope: the trust checks again, in a fresh process that asks the user's shells anew
 * what a new terminal now gets (NODE_EXTRA_CA_CERTS is only read when a process starts), rather
 * than assuming the files written do what they say: a startup file that exits early, or one that
 * sets the variables again later, shows here.
 */
async function recheck(options: FixOptions): Promise<number> {
  out();
  out('Checking again in a fresh process, as a new terminal would...');
  const env = options.host.env;
  const args = [process.argv[1]!, 'check', '--json', '--only', FIXABLE.join(','), ...options.targetArgs];
  const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
  let checks: CheckResult[] = [];
  try {
    checks = JSON.parse(result.stdout).checks;
  } catch {
    out(kleur.red('the re-check gave no report'));
    return 1;
  }
  for (const r of checks) out(`${paint(r.status, ICON[r.status])} ${checkLine(r)}`);
  const failed = checks.filter((r) => r.status === 'fail');
  out();
  if (failed.length) {
    out(kleur.red(`Still failing after the fix: ${failed.map((r) => `${r.id} (${r.code})`).join(', ')}.`));
    return 1;
  }
  out(kleur.green('Fixed. Open a new terminal, or load the settings into this one with:'));
  out('  eval "$(eliza-doctor env)"');
  return 0;
}

function hasSystemRights(): boolean {
  return process.getuid?.() === 0;
}
