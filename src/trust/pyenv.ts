/**
 * The python3 a pyenv shim runs, without running the shim. A shim is a bash script that runs
 * `pyenv exec`, a chain of a dozen more bash scripts, before python3 starts: 0.35 s of CPU and 40
 * processes on a quiet machine (measured here), most of a second on a loaded one, and the largest
 * single cost of a run. Where pyenv's answer is certain, the doctor runs that interpreter with its
 * bin folder first on PATH and PYENV_VERSION set, as `pyenv exec` does; wherever anything could
 * change the answer (a shim not as pyenv writes it or whose pyenv is gone, a local
 * .python-version, several versions, a prefix pyenv would complete, "system", a hook it does not
 * know), it runs the shim, as before.
 */
import path from 'node:path';
import { type Host, keptFor } from '../host.ts';

export interface Interpreter {
  /** What to start. */
  file: string;
  env: Record<string, string>;
}

const MAX_SHIM_BYTES = 4096;
const SHIM_ROOT = /^export PYENV_ROOT="([^"$`\\\n]+)"$/m;
const SHIM_EXEC = /^exec "([^"$`\\\n]+)\/libexec\/pyenv" exec "\$program" "\$@"$/m;

/**
 * A shim exactly as `pyenv rehash` writes it (which rewrites them all when its template changes),
 * with or without the SHIM_PATH lines of pyenv 2.3 on: anything else is not seen through.
 */
function shimTemplates(root: string, install: string): string[] {
  const head = [
    '#!/usr/bin/env bash',
    'set -e',
    '[ -n "$PYENV_DEBUG" ] && set -x',
    '',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${}, in the shim's text
    'program="${0##*/}"',
    '',
  ];
  const rootLine = `export PYENV_ROOT="${root}"`;
  const shimPath = [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${}, in the shim's text
    'SHIM_PATH=${0%/*}',
    `if [[ $SHIM_PATH != "${root}/shims" ]]; then`,
    '  export _PYENV_SHIM_PATH="$SHIM_PATH"',
    'fi',
  ];
  const exec = `exec "${install}/libexec/pyenv" exec "$program" "$@"`;
  return [[...head, rootLine, ...shimPath, exec, ''].join('\n'), [...head, rootLine, exec, ''].join('\n')];
}
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Hooks that cannot change which python3 runs for an installed version, where pyenv and
 * pyenv-virtualenv put them: pip's rehash acts on pip alone; pyenv-virtualenv's `which` hooks act
 * only when the command is missing from the version.
 */
function harmlessHooks(root: string, install: string): Set<string> {
  const virtualenv = path.join(root, 'plugins', 'pyenv-virtualenv', 'etc', 'pyenv.d', 'which');
  return new Set([
    path.join(root, 'pyenv.d', 'exec', 'pip-rehash.bash'),
    path.join(install, 'pyenv.d', 'exec', 'pip-rehash.bash'),
    ...['conda.bash', 'python-config.bash', 'system-site-packages.bash'].map((hook) =>
      path.join(virtualenv, hook),
    ),
  ]);
}

const answers = new WeakMap<Host, Map<string, Promise<Interpreter>>>();

/**
 * The interpreter to start for `python` (as found on PATH) with `env`: itself, or what its pyenv
 * shim would exec. Asked once per run for each python3 and environment (a run may start a second
 * child, for this shell's own environment).
 */
export function interpreterFor(
  host: Host,
  python: string,
  env: Record<string, string>,
): Promise<Interpreter> {
  const kept = answers.get(host) ?? new Map<string, Promise<Interpreter>>();
  answers.set(host, kept);
  return keptFor(kept, JSON.stringify([python, env]), () => seeThrough(host, python, env));
}

async function seeThrough(host: Host, python: string, env: Record<string, string>): Promise<Interpreter> {
  const itself: Interpreter = { file: python, env };
  if (path.basename(python) !== 'python3') return itself;
  const shim = await readSmall(host, python);
  const root = shim === null ? undefined : SHIM_ROOT.exec(shim)?.[1];
  const install = shim === null ? undefined : SHIM_EXEC.exec(shim)?.[1];
  if (!root || !install || !shimTemplates(root, install).includes(shim!)) return itself;
  if (path.dirname(python) !== path.join(root, 'shims')) return itself;
  // pyenv runs with the doctor's start environment (PATH, HOME, PYENV_VERSION: no PYENV_DIR or
  // PYENV_HOOK_PATH) from its neutral folder, where it looks for a local .python-version first.
  const pyenvVersion = env.PYENV_VERSION || null;
  const [pyenv, local, globalFile, hooks] = await Promise.all([
    // A shim whose pyenv is gone (upgraded by a package manager) fails as the user's python3 does.
    isExecutable(host, path.join(install, 'libexec', 'pyenv')),
    readSmall(host, '/.python-version'),
    pyenvVersion ? null : readSmall(host, path.join(root, 'version')),
    hookFiles(host, root, install),
  ]);
  const harmless = harmlessHooks(root, install);
  if (!pyenv || local !== null || hooks.some((hook) => !harmless.has(hook))) return itself;
  const version = pyenvVersion ?? onlyVersion(globalFile);
  if (!version || version === 'system' || !VERSION_NAME.test(version)) return itself;
  const bin = path.join(root, 'versions', version, 'bin');
  const file = path.join(bin, 'python3');
  if (!(await isExecutable(host, file))) return itself;
  // The version's bin first on PATH and PYENV_VERSION set, as pyenv exec runs it.
  return { file, env: { ...env, PATH: `${bin}:${env.PATH ?? ''}`, PYENV_VERSION: version } };
}

/**
 * The one version a version file names, read as pyenv reads it (the first word of each line,
 * words split on spaces and tabs only, # lines skipped); null for none or several.
 */
function onlyVersion(text: string | null): string | null {
  if (text === null) return null;
  const words = text
    .split('\n')
    .map(
      (line) =>
        line
          .replace(/\r$/, '')
          .split(/[ \t]+/)
          .find(Boolean) ?? '',
    )
    .filter((word) => word && !word.startsWith('#'));
  return words.length === 1 ? words[0]! : null;
}

/** The hooks pyenv would source for version-name, which and exec, by their paths. */
async function hookFiles(host: Host, root: string, install: string): Promise<string[]> {
  const plugins = await host.listDir(path.join(root, 'plugins'));
  const roots = [
    path.join(root, 'pyenv.d'),
    ...(install !== root ? [path.join(install, 'pyenv.d')] : []),
    '/usr/etc/pyenv.d',
    '/usr/local/etc/pyenv.d',
    '/etc/pyenv.d',
    '/usr/lib/pyenv/hooks',
    ...plugins.map((plugin) => path.join(root, 'plugins', plugin, 'etc', 'pyenv.d')),
  ];
  const listed = await Promise.all(
    roots.flatMap((hookRoot) =>
      ['version-name', 'which', 'exec'].map(async (kind) =>
        (await host.listDir(path.join(hookRoot, kind)))
          .filter((name) => name.endsWith('.bash'))
          .map((name) => path.join(hookRoot, kind, name)),
      ),
    ),
  );
  return listed.flat();
}

/** As `[ -x file ]` answers for this process: the x bit for its user, its group or anyone (root: any). */
async function isExecutable(host: Host, file: string): Promise<boolean> {
  const stats = await host.stat(file).catch(() => null);
  if (!stats?.isFile()) return false;
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return (stats.mode & 0o111) !== 0;
  if (stats.uid === uid) return (stats.mode & 0o100) !== 0;
  const groups = [process.getgid?.(), ...(process.getgroups?.() ?? [])];
  if (groups.includes(stats.gid)) return (stats.mode & 0o010) !== 0;
  return (stats.mode & 0o001) !== 0;
}

async function readSmall(host: Host, file: string): Promise<string | null> {
  try {
    return (await host.readFile(file, MAX_SHIM_BYTES)).toString('utf8');
  } catch {
    return null;
  }
}
