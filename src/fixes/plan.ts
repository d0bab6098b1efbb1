import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import type { Owner } from '../atomic.ts';
import { clientTrustVariables } from '../clients/codex.ts';
import type { CheckResult } from '../engine/types.ts';
import type { CaBundleFacts, CheckId, TrustPythonFacts } from '../facts.ts';
import type { Host } from '../host.ts';
import { launchAgentPath, launchAgentPlist } from '../onboard/macos.ts';
import { windowsStoreAdvice } from '../onboard/where.ts';
import { parsePemBundle, toPem } from '../pki/cert.ts';
import { hostPlatform } from '../platform.ts';
import { quote, shellCommand } from '../quote.ts';
import { DOCUMENTED_SYSTEM_PATH, doctorDataDir, installedBundlePath } from '../trust/locations.ts';
import { blockLines, type ShellKind, startupFiles, withBlock } from '../trust/shell.ts';
import type { StartupScan } from '../trust/startup.ts';
import { ANCHOR_DIRS, type SystemStore } from '../trust/system.ts';

export interface FileChange {
  /** Where the change lands: the target of a symlinked startup file. */
  target: string;
  /** As the user knows it (the symlink, ~ for HOME). */
  shown: string;
  kind: 'bundle' | 'startup' | 'system' | 'agent' | 'client';
  before: Buffer | null;
  after: Buffer;
  /** The existing file's mode, kept; null for a new file (0644 less the umask). */
  mode: number | null;
  /** The existing file's owner, kept when root writes it. */
  owner: Owner | null;
  why: string;
}

export interface Plan {
  changes: FileChange[];
  /** Files that would need a change but cannot take one, with the reason. */
  skipped: { shown: string; reason: string }[];
  variables: Record<string, string>;
  /** Run after the files are written (only with --system), each as argv: no shell, no splitting. */
  systemCommands: string[][];
  /** Shown, not run: what the OS store needs, without --system. */
  manualCommands: string[];
  /** Shown after the changes: what takes effect when, and how to have it now. */
  notes: string[];
}

export const MERGED_BUNDLE_NAME = 'ca-bundle-with-internal.pem';
export const COMBINED_NODE_NAME = 'node-extra-ca.pem';
/** The variables that name a whole CA store, each for its own tools. */
export const SCOPED_VARIABLES = [
  'REQUESTS_CA_BUNDLE',
  'SSL_CERT_FILE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
] as const;
/** A public store has well over a hundred roots; a file with fewer is something else. */
export const MIN_PUBLIC_ROOTS = 50;

/** The bundle of one variable whose own file held more than the public roots. */
export function scopedBundleName(variable: string): string {
  return `ca-bundle-for-${variable.toLowerCase().replace(/_/g, '-')}.pem`;
}
const MAX_FILE = 16 * 1024 * 1024;

/** The trust checks `fix` can repair, each by the variables it sets. */
export const FIXABLE = ['trust-node', 'trust-python', 'trust-system'] as const;

/**
 * Client checks whose cure is what the trust fix writes (REQUESTS_CA_BUNDLE, SSL_CERT_FILE naming
 * the merged bundle): Python's libraries each read one of those, so no config edit of their own.
 */
export const CURED_BY_TRUST_FIX = ['client-python'] as const;

export function needsFix(results: CheckResult[]): CheckResult[] {
  return results.filter(
    (r) =>
      ([...FIXABLE, ...CURED_BY_TRUST_FIX] as readonly CheckId[]).includes(r.id) &&
      (r.status === 'fail' || r.status === 'warn') &&
      r.fix?.automated,
  );
}

export async function planTrustFix(options: {
  host: Host;
  results: Map<string, CheckResult>;
  scan: StartupScan;
  /** This process's environment as a new terminal has it: what the files it writes start from. */
  terminalEnv: Readonly<Record<string, string | undefined>>;
  store: SystemStore;
  system: boolean;
}): Promise<Plan> {
  const { host, results, scan } = options;
  const bundle = results.get('ca-bundle') as CheckResult<CaBundleFacts>;
  const pem = bundle.data.pem!;
  const dataDir = doctorDataDir(host);
  const bundlePath = installedBundlePath(host);
  const plan: Plan = {
    changes: [],
    skipped: [],
    variables: {},
    systemCommands: [],
    manualCommands: [],
    notes: [],
  };
  const shown = (p: string) => (p.startsWith(`${host.home}/`) ? `~/${p.slice(host.home.length + 1)}` : p);
  const terminal = options.terminalEnv;

  const family = options.store.family ?? ANCHOR_DIRS[0]!;
  // The OS store is root's, HOME is the user's: --system writes only the one, a user's fix only the other.
  if (options.system) {
    const systemFiles =
      host.platform === 'darwin'
        ? [DOCUMENTED_SYSTEM_PATH]
        : [DOCUMENTED_SYSTEM_PATH, path.join(family.dir, `YandexInternalCA${family.ext}`)];
    for (const file of systemFiles) await addFile(plan, host, file, file, 'system', pem, 'the OS store');
    plan.systemCommands.push(
      host.platform === 'darwin'
        ? keychainAdd(DOCUMENTED_SYSTEM_PATH)
        : family.update.replace(/^sudo /, '').split(' '),
    );
    return plan;
  }

  await addFile(plan, host, bundlePath, shown(bundlePath), 'bundle', pem, 'the verified internal CA bundle');

  // Node reads one file: when NODE_EXTRA_CA_CERTS already names another, both go into one.
  const ours = new Set([
    bundlePath,
    path.join(dataDir, COMBINED_NODE_NAME),
    path.join(dataDir, MERGED_BUNDLE_NAME),
  ]);
  const existingNode = [host.env.NODE_EXTRA_CA_CERTS, terminal.NODE_EXTRA_CA_CERTS]
    .map((v) => v?.trim())
    .find((v) => v && !ours.has(v));
  let nodeFile = bundlePath;
  if (existingNode) {
    const other = await readPem(host, existingNode);
    if (other) {
      nodeFile = path.join(dataDir, COMBINED_NODE_NAME);
      await addFile(
        plan,
        host,
        nodeFile,
        shown(nodeFile),
        'bundle',
        union(other, pem),
        `${existingNode} plus the internal CA, for NODE_EXTRA_CA_CERTS`,
      );
    }
  }

  // Python, curl and git replace their whole store with the file named: public roots must stay,
  // and they come from a public store, never from whatever a variable named (an internal-only
  // file, a debugging proxy's CA) which would then become what every tool trusts.
  const python = results.get('trust-python') as CheckResult<TrustPythonFacts> | undefined;
  const base = await publicBase(host, [options.store.bundle, python?.data.certifi ?? null]);
  const merged = path.join(dataDir, MERGED_BUNDLE_NAME);
  const mergedText = union(base.pem, pem);
  await addFile(
    plan,
    host,
    merged,
    shown(merged),
    'bundle',
    mergedText,
    `public roots (${base.source}) plus the internal CA, for Python, curl and git`,
  );
  plan.variables = { NODE_EXTRA_CA_CERTS: nodeFile };
  // What a variable's own file trusted beyond the public roots stays trusted by that variable alone.
  const inMerged = new Set(certsOf(mergedText).map((c) => c.fingerprint256));
  for (const name of SCOPED_VARIABLES) {
    const own = terminal[name]?.trim();
    const theirs = own && !ours.has(own) ? await readPem(host, own) : null;
    const extra = theirs ? certsOf(theirs).filter((c) => !inMerged.has(c.fingerprint256)) : [];
    if (extra.length === 0) {
      plan.variables[name] = merged;
      continue;
    }
    const file = path.join(dataDir, scopedBundleName(name));
    await addFile(
      plan,
      host,
      file,
      shown(file),
      'bundle',
      union(mergedText, theirs!),
      `for ${name} alone: the merged bundle plus the ${extra.length} certificate${extra.length === 1 ? '' : 's'} ${own} added`,
    );
    plan.variables[name] = file;
  }
  Object.assign(plan.variables, clientTrustVariables(results, bundlePath));
  for (const shell of scan.shells) {
    for (const file of await startupTargets(host, shell, scan)) {
      await addStartup(plan, host, shell, file, shown(file), blockLines(shell, plan.variables, host.home));
    }
  }

  if (host.platform === 'darwin') {
    // Apps started from the Dock never read the startup files: launchd's environment is theirs.
    const agent = launchAgentPath(host.home);
    await addFile(
      plan,
      host,
      agent,
      shown(agent),
      'agent',
      launchAgentPlist(nodeFile),
      'a LaunchAgent: apps started from the Dock get NODE_EXTRA_CA_CERTS at each login',
    );
    plan.notes.push(
      `apps started from the Dock get NODE_EXTRA_CA_CERTS from the next login; for now: launchctl setenv NODE_EXTRA_CA_CERTS ${quote(nodeFile)}, then restart the app`,
    );
  }

  const where = await hostPlatform(host);
  if (where.container) {
    plan.notes.push(
      'this is a container: the fix lasts only as long as it does; to bake trust into the image: eliza-doctor dockerfile',
    );
  }
  if (where.wsl) {
    const windows = await windowsStoreAdvice(host, where.wsl);
    plan.notes.push(
      `Windows programs do not see this fix; in a Windows terminal, afterwards: ${windows.command}`,
    );
  }

  const systemFiles =
    host.platform === 'darwin'
      ? []
      : [DOCUMENTED_SYSTEM_PATH, path.join(family.dir, `YandexInternalCA${family.ext}`)];
  plan.manualCommands.push(
    ...systemFiles.map((f) => shellCommand(['sudo', 'cp', bundlePath, f])),
    host.platform === 'darwin' ? shellCommand(['sudo', ...keychainAdd(bundlePath)]) : family.update,
  );
  return plan;
}

/** Login and interactive files of a shell: those it has, plus the one a new terminal reads. */
async function startupTargets(host: Host, shell: ShellKind, scan: StartupScan): Promise<string[]> {
  const files = startupFiles(shell, host.home, host.env);
  const exists = (p: string) => scan.files.some((f) => f.path === p && f.exists);
  switch (shell) {
    case 'bash': {
      const login =
        files.filter((f) => f.role === 'login').find((f) => exists(f.path))?.path ??
        path.join(host.home, '.profile');
      return [path.join(host.home, '.bashrc'), login];
    }
    case 'zsh': {
      const rc = files.find((f) => f.role === 'interactive')!.path;
      const profile = files.find((f) => f.role === 'login')!.path;
      return exists(profile) ? [rc, profile] : [rc];
    }
    case 'fish':
      return [files[0]!.path];
  }
}

async function addStartup(
  plan: Plan,
  host: Host,
  shell: ShellKind,
  file: string,
  shown: string,
  block: string[],
) {
  const target = await fs.realpath(file).catch(() => file);
  let before: Buffer | null = null;
  try {
    before = await host.readFile(target, MAX_FILE);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENOENT')
      return void plan.skipped.push({
        shown,
        reason: code === 'EFBIG' ? 'larger than 16 MiB' : `cannot be read (${code})`,
      });
  }
  if (before?.includes(0))
    return void plan.skipped.push({ shown, reason: 'holds binary data, not a shell script' });
  const after = Buffer.from(withBlock(before?.toString('utf8') ?? '', block), 'utf8');
  const why = `${shell} startup file: sets the variables for new ${shell} shells`;
  await push(plan, {
    target,
    shown: target === file ? shown : `${shown} -> ${target}`,
    kind: 'startup',
    before,
    after,
    mode: null,
    owner: null,
    why,
  });
}

export function emptyPlan(): Plan {
  return { changes: [], skipped: [], variables: {}, systemCommands: [], manualCommands: [], notes: [] };
}

/** A whole file the plan writes (or leaves, when it already says exactly that). */
export async function addFile(
  plan: Plan,
  host: Host,
  target: string,
  shown: string,
  kind: FileChange['kind'],
  text: string,
  why: string,
) {
  const before = await host.readFile(target, MAX_FILE).catch(() => null);
  await push(plan, { target, shown, kind, before, after: Buffer.from(text), mode: null, owner: null, why });
}

async function push(plan: Plan, change: FileChange) {
  if (change.before?.equals(change.after)) return;
  const writable = await canWrite(change.target);
  if (writable !== true) return void plan.skipped.push({ shown: change.shown, reason: writable });
  if (change.before) {
    const stats = await fs.stat(change.target).catch(() => null);
    if (stats) {
      change.mode = stats.mode & 0o777;
      change.owner = { uid: stats.uid, gid: stats.gid };
    }
  }
  plan.changes.push(change);
}

/** true, or why not: the file itself when it exists, else the nearest existing folder above it. */
async function canWrite(target: string): Promise<true | string> {
  // A file with no write bit says "leave me alone", even to root, who could write it anyway.
  const stats = await fs.stat(target).catch(() => null);
  if (stats && (stats.mode & 0o222) === 0) return 'read-only (no write permission)';
  let probe = target;
  for (;;) {
    try {
      await fs.access(probe, constants.W_OK);
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ENOENT')
        return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'not writable (read-only or owned by someone else)'
          : `not writable (${code})`;
      const parent = path.dirname(probe);
      if (parent === probe) return 'no folder to write it in';
      probe = parent;
    }
  }
}

/** The OS store (with the CAs an admin added) or certifi, if it looks like a public store; else Node's. */
async function publicBase(
  host: Host,
  candidates: (string | null)[],
): Promise<{ pem: string; source: string }> {
  for (const candidate of candidates) {
    if (!candidate) continue;
    const pem = await readPem(host, candidate);
    if (pem && certsOf(pem).length >= MIN_PUBLIC_ROOTS) return { pem, source: candidate };
  }
  return { pem: rootCertificates.join('\n'), source: "Node's bundled roots" };
}

function certsOf(pem: string) {
  return parsePemBundle(pem).blocks.flatMap((b) => (b.cert ? [b.cert] : []));
}

async function readPem(host: Host, file: string): Promise<string | null> {
  try {
    const bytes = await host.readFile(file, MAX_FILE);
    const blocks = parsePemBundle(bytes).blocks.filter((b) => b.cert);
    return blocks.length ? blocks.map((b) => b.pem).join('') : null;
  } catch {
    return null;
  }
}

/** base's certificates, then those of extra that base lacks, each once, as clean PEM. */
export function union(base: string, extra: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const block of [...parsePemBundle(base).blocks, ...parsePemBundle(extra).blocks]) {
    if (!block.cert || seen.has(block.cert.fingerprint256)) continue;
    seen.add(block.cert.fingerprint256);
    out.push(toPem(block.cert));
  }
  return out.join('');
}

/** macOS: the System keychain takes the file as a root trusted for SSL (add-trusted-cert -d). */
function keychainAdd(file: string): string[] {
  return [
    'security',
    'add-trusted-cert',
    '-d',
    '-r',
    'trustRoot',
    '-k',
    '/Library/Keychains/System.keychain',
    file,
  ];
}
