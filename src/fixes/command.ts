import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import kleur from 'kleur';
import { NEUTRAL_CWD, pickEnv, recheckEnv, systemToolEnv } from '../child-env.ts';
import type { Io } from '../cli/io.ts';
import { clientTrustVariables } from '../clients/codex.ts';
import { clientsNeedingFix, planClientFixes } from '../clients/fixes.ts';
import type { ClientFacts } from '../clients/types.ts';
import type { DoctorConfig } from '../config.ts';
import { diagnose, registry } from '../doctor.ts';
import { usable } from '../engine/outcome.ts';
import type { CheckResult } from '../engine/types.ts';
import type { CaBundleFacts } from '../facts.ts';
import { LAUNCH_AGENT_LABEL } from '../onboard/macos.ts';
import { checkLine, ICON, paint } from '../report/text.ts';
import { maskSecretAssignments } from '../secret.ts';
import { selfCommand } from '../self.ts';
import { doctorDataDir, installedBundlePath, systemDataDir } from '../trust/locations.ts';
import { ANCHOR_DIRS, readSystemStore } from '../trust/system.ts';
import { resolveNewTerminal } from '../trust/terminal.ts';
import { applyChanges, FixError, undoChanges } from './apply.ts';
import { unifiedDiff } from './diff.ts';
import { addFile, emptyPlan, FIXABLE, needsFix, type Plan, planTrustFix } from './plan.ts';

export interface FixOptions {
  config: DoctorConfig;
  io: Io;
  yes: boolean;
  dryRun: boolean;
  system: boolean;
  undo: boolean;
  /** The flags that say where the gateway is, passed on to the re-check. */
  targetArgs: string[];
  signal: AbortSignal;
}

/** One line of the fix's report. */
const printer =
  (io: Io) =>
  (line = '') =>
    io.out(`${line}\n`);

export async function runFix(options: FixOptions): Promise<number> {
  const { io } = options;
  const { host } = io;
  const out = printer(io);
  // What --system wrote is root's to record and to undo, not the user's whose HOME sudo kept.
  const dataDir = options.system ? systemDataDir(host.platform) : doctorDataDir(host);
  const foreignHome = await homeOfAnother(host.home);
  if (options.undo) {
    let code = 0;
    if (hasSystemRights())
      code = Math.max(code, await undo(systemDataDir(host.platform), options.dryRun, true, io));
    if (foreignHome !== null) {
      out(
        kleur.yellow(
          `Left ${host.home} alone: it belongs to uid ${foreignHome}; run ${selfCommand(options.config.invocation, ['fix', '--undo'], false)} as that user.`,
        ),
      );
      return code;
    }
    return Math.max(code, await undo(doctorDataDir(host), options.dryRun, false, io));
  }

  io.err('Diagnosing...\n');
  const run = await diagnose({
    config: options.config,
    host,
    selected: new Set(registry.map((c) => c.id)),
    redactor: io.redactor,
    signal: options.signal,
  });
  const results = new Map(run.results.map((r) => [r.id, r]));
  for (const id of ['ca-bundle', 'tls', ...FIXABLE] as const) {
    const r = results.get(id)!;
    out(`${paint(r.status, ICON[r.status])} ${checkLine(r)}`);
  }
  const bundle = results.get('ca-bundle')!;
  const bundleOk = usable(bundle) && !!(bundle.data as CaBundleFacts).pem;
  const unjudged = FIXABLE.map((id) => results.get(id)!).filter((r) => r.status === 'skip');
  const broken = needsFix(run.results);
  const brokenClients = options.system ? [] : clientsNeedingFix(run.results);
  const curedByTrust = broken.filter((r) => !(FIXABLE as readonly string[]).includes(r.id));
  for (const r of [...curedByTrust, ...brokenClients])
    out(`${paint(r.status, ICON[r.status])} ${checkLine(r)}`);
  // Offline, or the gateway out of reach (dns, tcp): the trust checks could not judge, but a
  // verified CA can be installed all the same; only the proof waits for the gateway. A gateway
  // whose certificate itself is wrong (tls failed) is not something installing a CA cures.
  const unproven = bundleOk && unjudged.length > 0 && results.get('tls')!.status !== 'fail';
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
  if (unjudged.length > 0 && !unproven) {
    const cause = run.results.find((r) => r.status === 'fail' && ['dns', 'tcp', 'tls'].includes(r.id));
    const why = cause ? `${cause.id} failed (${cause.code}: ${cause.summary})` : 'a prerequisite failed';
    out();
    out(kleur.red(`Cannot fix: the trust checks could not run because ${why}.`));
    out(
      `That is not something fix can repair; run ${selfCommand(options.config.invocation, [])} for the details. Nothing was changed.`,
    );
    return 1;
  }
  if (broken.length === 0 && brokenClients.length === 0 && !unproven) {
    out();
    out(kleur.green('Nothing to fix: Node, Python, curl and git trust the gateway.'));
    if (run.results.some((r) => r.code?.endsWith('_NEW_SHELL_ONLY'))) {
      out(`This shell predates the fix: open a new terminal, or run ${loadCommand(options)}`);
    }
    return 0;
  }
  if (options.system && !hasSystemRights()) {
    out(kleur.red('--system writes to the OS store and needs root: run it with sudo. Nothing was changed.'));
    return 1;
  }
  if (!options.system && foreignHome !== null) {
    out(
      kleur.red(
        `This runs as root, but HOME (${host.home}) belongs to uid ${foreignHome} (sudo -E?): fix would make their files root's and follow their links as root. Nothing was changed.`,
      ),
    );
    out(
      'Run eliza-doctor fix as that user, without sudo; for the OS store, sudo -H eliza-doctor fix --system.',
    );
    return 1;
  }
  // A client with a trust variable of its own (Codex: CODEX_CA_CERTIFICATE) needs the startup block too.
  const clientTrust = bundleOk && Object.keys(clientTrustVariables(results, '')).length > 0;
  const plan = broken.length > 0 || unproven || clientTrust ? await trustPlan(options, results) : emptyPlan();
  const caPath = installedBundlePath(host);
  const usesCaFile = await planClientFixes(plan, brokenClients, {
    host,
    results,
    config: options.config,
    caPath,
  });
  if (usesCaFile) {
    if (!bundleOk) {
      out(
        kleur.red(
          `Cannot fix: there is no verified internal CA to install (${bundle.code}: ${bundle.summary}).`,
        ),
      );
      out('Nothing was changed.');
      return 1;
    }
    const pem = (bundle.data as CaBundleFacts).pem!;
    const shownCa = caPath.startsWith(`${host.home}/`) ? `~/${caPath.slice(host.home.length + 1)}` : caPath;
    if (!plan.changes.some((c) => c.target === caPath))
      await addFile(plan, host, caPath, shownCa, 'bundle', pem, 'the verified internal CA bundle');
  }
  showPlan(plan, options.dryRun, io);
  if (plan.changes.length === 0 && plan.skipped.length > 0) {
    out(
      kleur.red(
        `Not fixed: nothing could be written (${plan.skipped.map((s) => `${s.shown}: ${s.reason}`).join('; ')}).`,
      ),
    );
    return 1;
  }
  if (plan.changes.length === 0) {
    out(kleur.green('Everything the fix writes is already in place.'));
    return 0;
  }
  if (options.dryRun) {
    out(kleur.dim('Dry run: nothing was changed.'));
    return 0;
  }
  if (!options.yes) {
    const answer = host.env.CI ? null : await io.ask('Apply these changes? [y/N] ');
    if (answer === null) {
      out(
        kleur.yellow(
          `Not applied: there is no terminal to ask on. Run ${selfCommand(options.config.invocation, ['fix', '--yes'])} to apply. Nothing was changed.`,
        ),
      );
      return 1;
    }
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
  for (const [file, ...args] of plan.systemCommands) {
    const command = [file, ...args].join(' ');
    const result = await host.exec(file!, args, {
      env: systemToolEnv(host.env),
      cwd: NEUTRAL_CWD,
      timeoutMs: 60_000,
    });
    out(
      result.code === 0
        ? kleur.green(`ran ${command}`)
        : kleur.red(
            `${command} failed (${result.code ?? result.error}): ${result.stderr.trim().split('\n')[0] ?? ''}`,
          ),
    );
  }
  if (unproven) {
    out();
    out(
      kleur.yellow(
        `Installed, but not proved: the gateway cannot be reached from here${options.config.offline ? ' (--offline)' : ''}. Once it can, run ${selfCommand(options.config.invocation, [])} to see it work.`,
      ),
    );
    return 0;
  }
  return recheck(options, [...curedByTrust, ...brokenClients]);
}

async function trustPlan(options: FixOptions, results: Map<string, CheckResult>): Promise<Plan> {
  const { host } = options.io;
  const terminal = await resolveNewTerminal(host, { timeoutMs: options.config.timeoutMs });
  const store = await readSystemStore(host, options.config.caSha256);
  return planTrustFix({
    host,
    results,
    scan: terminal.scan,
    terminalEnv: terminal.env,
    store,
    system: options.system,
  });
}

function showPlan(plan: Plan, diff: boolean, io: Io): void {
  const out = printer(io);
  out();
  out(kleur.bold(diff ? 'The fix would change:' : 'The fix will change:'));
  for (const change of plan.changes) {
    out(`  ${change.before ? 'update' : 'create'} ${change.shown}  ${kleur.dim(`(${change.why})`)}`);
    if (diff && (change.kind === 'startup' || change.kind === 'agent' || change.kind === 'client')) {
      const text = unifiedDiff(
        change.target,
        change.before?.toString('utf8') ?? null,
        change.after.toString('utf8'),
      );
      // The user's own lines show as context: a key set beside them must not.
      for (const line of text.trimEnd().split('\n')) out(`    ${colorDiff(maskDiffLine(line))}`);
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
  for (const note of plan.notes) out(kleur.dim(`  ${note}`));
  if (plan.manualCommands.length) {
    out(
      kleur.dim(
        '  the OS store (what other programs use) needs root: sudo -H eliza-doctor fix --system does it, or run:',
      ),
    );
    for (const c of plan.manualCommands) out(kleur.dim(`    $ ${c}`));
  }
  out();
}

function maskDiffLine(line: string): string {
  const marker = /^[ +-]/.test(line) && !/^(\+\+\+|---) /.test(line) ? line[0]! : '';
  return marker + maskSecretAssignments(line.slice(marker.length));
}

function colorDiff(line: string): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return kleur.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return kleur.red(line);
  return line;
}

async function undo(dataDir: string, dryRun: boolean, system: boolean, io: Io): Promise<number> {
  const out = printer(io);
  if (dryRun) {
    if (!system)
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
    // Root's own record is looked at quietly: most runs never used --system.
    if (!system) out('Nothing to undo: eliza-doctor fix has not changed anything here.');
    return 0;
  }
  for (const f of report.restored) out(`restored ${f}`);
  for (const f of report.removed) out(`removed ${f}`);
  // The OS bundle is built from the anchor folders: it forgets the CA only when rebuilt.
  const anchor = ANCHOR_DIRS.find((a) => report.removed.some((f) => f.startsWith(`${a.dir}/`)));
  if (anchor) out(kleur.yellow(`the OS bundle still holds the CA until it is rebuilt: run ${anchor.update}`));
  if (report.removed.some((f) => f.endsWith(`${LAUNCH_AGENT_LABEL}.plist`)))
    out(
      kleur.yellow(
        'apps started from the Dock keep the variable until logout, or: launchctl unsetenv NODE_EXTRA_CA_CERTS',
      ),
    );
  for (const f of report.edited)
    out(
      kleur.yellow(`took the eliza-doctor block out of ${f} (edited since the fix, so not restored whole)`),
    );
  for (const f of report.failed) out(kleur.red(`could not put back ${f.target} (${f.reason})`));
  if (report.failed.length > 0) {
    out(
      kleur.red(
        `Partly undone: ${report.failed.length} file${report.failed.length === 1 ? '' : 's'} could not be put back; they stay listed for eliza-doctor fix --undo to try again.`,
      ),
    );
    return 1;
  }
  out(kleur.green('Undone. Open a new terminal for it to take effect.'));
  return 0;
}

/**
 * Proof, not hope: the trust checks again, in a fresh process that asks the user's shells anew
 * what a new terminal now gets (NODE_EXTRA_CA_CERTS is only read when a process starts), rather
 * than assuming the files written do what they say: a startup file that exits early, or one that
 * sets the variables again later, shows here.
 */
async function recheck(options: FixOptions, clients: CheckResult[]): Promise<number> {
  const { io } = options;
  const out = printer(io);
  out();
  out('Checking again in a fresh process, as a new terminal would...');
  // The child asks the real shells what a new terminal now gets: the proof, not the plan's word.
  // A client is judged again with its key: the child is the doctor, which hides it like the token.
  // The doctor's own token variable too: a fixed client config may now name it (Codex's env_key).
  const { tokenSource } = options.config;
  const keyVariables = [
    ...clients.flatMap((r) => (r.data as Partial<ClientFacts> | null)?.keyVariables ?? []),
    ...(clients.length > 0 && tokenSource && /^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenSource)
      ? [tokenSource]
      : []),
  ];
  const env = { ...recheckEnv(io.host.env), ...pickEnv(io.host.env, keyVariables) };
  // --system changed the OS store only: that is what it can prove.
  const ids = options.system ? ['trust-system'] : [...FIXABLE, ...clients.map((r) => r.id)];
  const args = [io.self.script, 'check', '--json', '--only', ids.join(','), ...options.targetArgs];
  const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(io.self.execPath, args, {
      env,
      cwd: NEUTRAL_CWD,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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
  const left = notFixed(checks);
  out();
  if (left.length) {
    out(kleur.red(`Not fixed: ${left.map((r) => `${r.id} ${r.status}s (${r.code})`).join(', ')}.`));
    return 1;
  }
  if (options.system) {
    out(
      kleur.green(
        'Fixed: the OS store trusts the internal CA. For Node and Python, run eliza-doctor fix as yourself.',
      ),
    );
    return 0;
  }
  out(kleur.green('Fixed. Open a new terminal, or load the settings into this one with:'));
  out(`  ${loadCommand(options)}`);
  return 0;
}

function loadCommand(options: FixOptions): string {
  return `eval "$(${selfCommand(options.config.invocation, ['env'], false)})"`;
}

/**
 * A warning after the fix is a problem the fix did not solve, not a success; but for the one it
 * expects: new terminals trust the gateway and this shell, started before the fix, does not.
 */
export function notFixed(checks: Pick<CheckResult, 'id' | 'status' | 'code'>[]) {
  return checks.filter(
    (r) => r.status === 'fail' || (r.status === 'warn' && !r.code?.endsWith('_NEW_SHELL_ONLY')),
  );
}

/** As root, the uid that owns HOME when it is not root's own; null otherwise. */
async function homeOfAnother(home: string): Promise<number | null> {
  if (!hasSystemRights()) return null;
  const owner = await fs.stat(home).then(
    (s) => s.uid,
    () => 0,
  );
  return owner === 0 ? null : owner;
}

function hasSystemRights(): boolean {
  return process.getuid?.() === 0;
}
