/**
 * The python3 a pyenv shim runs, without running the shim. A shim is a bash script that runs
 * `pyenv exec`, a chain of a dozen more bash scripts, before python3 starts: 0.35 s of CPU and 40
 * processes on a quiet machine (measured here), most of a second on a loaded one, and the largest
 * single cost of a run. Where pyenv's answer is certain, the doctor runs that interpreter as
 * `pyenv exec` would (its bin folder first on PATH, PYENV_VERSION set); wherever anything could
 * change the answer (a local .python-version, several versions, a prefix pyenv would complete,
 * "system", a hook it does not know), it runs the shim, as before.
 */
import path from 'node:path';
import type { Host } from '../host.ts';

export interface Interpreter {
  /** What to start. */
  file: string;
  env: Record<string, string>;
  /** The pyenv version it is, when a shim was seen through. */
  pyenvVersion: string | null;
}

const MAX_SHIM_BYTES = 4096;
/**
 * Every line of a shim as `pyenv rehash` writes it (pyenv 2.x): anything else, and it is not one.
 * The root it exports and the pyenv it execs are the two parts that vary.
 */
const SHIM_LINES = [
  /^#!\/usr\/bin\/env bash$/,
  /^$/,
  /^set -e$/,
  /^\[ -n "\$PYENV_DEBUG" \] && set -x$/,
  /^program="\$\{0##\*\/\}"$/,
  /^SHIM_PATH=\$\{0%\/\*\}$/,
  /^if \[\[ \$SHIM_PATH != "[^"$`\\]+" \]\]; then$/,
  /^ {2}export _PYENV_SHIM_PATH="\$SHIM_PATH"$/,
  /^fi$/,
];
const SHIM_ROOT = /^export PYENV_ROOT="([^"$`\\]+)"$/;
const SHIM_EXEC = /^exec "([^"$`\\]+)\/libexec\/pyenv" exec "\$program" "\$@"$/;
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/**
 * Hooks that cannot change which python3 runs for an installed version: pip's rehash acts on pip
 * alone; pyenv-virtualenv's `which` hooks act only when the command is missing from the version.
 */
const HARMLESS_HOOKS = new Set([
  'exec/pip-rehash.bash',
  'which/conda.bash',
  'which/python-config.bash',
  'which/system-site-packages.bash',
]);

/** The interpreter to start for `python` (as found on PATH) with `env`: itself, or what its pyenv shim would exec. */
export async function interpreterFor(
  host: Host,
  python: string,
  env: Record<string, string>,
): Promise<Interpreter> {
  const itself: Interpreter = { file: python, env, pyenvVersion: null };
  if (path.basename(python) !== 'python3') return itself;
  const shim = parseShim(await readSmall(host, python));
  if (!shim) return itself;
  const { root, install } = shim;
  // Run from the doctor's neutral folder, pyenv looks for a local .python-version there and up.
  if (path.dirname(python) !== path.join(root, 'shims') || host.env.PYENV_DIR || host.env.PYENV_HOOK_PATH)
    return itself;
  const [local, globalFile, hooks] = await Promise.all([
    readSmall(host, '/.python-version'),
    env.PYENV_VERSION ? null : readSmall(host, path.join(root, 'version')),
    hookFiles(host, root, install),
  ]);
  if (local !== null || hooks.some((hook) => !HARMLESS_HOOKS.has(hook))) return itself;
  const version = env.PYENV_VERSION ?? onlyVersion(globalFile);
  if (!version || version === 'system' || !VERSION_NAME.test(version)) return itself;
  const bin = path.join(root, 'versions', version, 'bin');
  const file = path.join(bin, 'python3');
  const executable = await host.stat(file).then(
    (s) => s.isFile() && (s.mode & 0o111) !== 0,
    () => false,
  );
  if (!executable) return itself;
  return {
    file,
    env: { ...env, PATH: `${bin}:${env.PATH ?? ''}`, PYENV_VERSION: version },
    pyenvVersion: version,
  };
}

function parseShim(text: string | null): { root: string; install: string } | null {
  if (text === null) return null;
  let root: string | null = null;
  let install: string | null = null;
  for (const line of text.split('\n')) {
    const exported = SHIM_ROOT.exec(line);
    const execs = SHIM_EXEC.exec(line);
    if (exported) root = exported[1]!;
    else if (execs) install = execs[1]!;
    else if (!SHIM_LINES.some((known) => known.test(line))) return null;
  }
  return root && install ? { root, install } : null;
}

/** The one version a version file names (pyenv reads the first word of each line); null for none or several. */
function onlyVersion(text: string | null): string | null {
  if (text === null) return null;
  const words = text
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((word) => word && !word.startsWith('#'));
  return words.length === 1 ? words[0]! : null;
}

/** The hooks pyenv would source for version-name, which and exec, as `kind/file.bash`. */
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
          .map((name) => `${kind}/${name}`),
      ),
    ),
  );
  return listed.flat();
}

async function readSmall(host: Host, file: string): Promise<string | null> {
  try {
    return (await host.readFile(file, MAX_SHIM_BYTES)).toString('utf8');
  } catch {
    return null;
  }
}
