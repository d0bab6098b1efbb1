import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { describe, it } from 'node:test';
import type { Host } from '../../src/host.ts';
import { interpreterFor } from '../../src/trust/pyenv.ts';
import { fakeHost } from '../helpers/fakes.ts';

const ROOT = '/home/user/.pyenv';
const SHIM = `${ROOT}/shims/python3`;
/** A shim as pyenv 2.x writes it. */
const SHIM_TEXT = `#!/usr/bin/env bash
set -e
[ -n "$PYENV_DEBUG" ] && set -x

program="\${0##*/}"

export PYENV_ROOT="${ROOT}"
SHIM_PATH=\${0%/*}
if [[ $SHIM_PATH != "${ROOT}/shims" ]]; then
  export _PYENV_SHIM_PATH="$SHIM_PATH"
fi
exec "${ROOT}/libexec/pyenv" exec "$program" "$@"
`;
const START_ENV = { PATH: `${ROOT}/shims:/usr/bin`, HOME: '/home/user' };

/** A machine with pyenv: files, folders (name lists) and executables. */
function pyenvHost(options: {
  /** null: no such file. */
  files?: Record<string, string | null>;
  dirs?: Record<string, string[]>;
  executables?: string[];
  env?: Record<string, string>;
}): Host {
  const files: Record<string, string> = {};
  for (const [file, text] of Object.entries({
    [SHIM]: SHIM_TEXT,
    [`${ROOT}/version`]: '3.12.3\n',
    ...options.files,
  }))
    if (text !== null) files[file] = text;
  const executables = options.executables ?? [`${ROOT}/libexec/pyenv`, `${ROOT}/versions/3.12.3/bin/python3`];
  const host = fakeHost(options.env ?? {}, files);
  host.stat = async (file) => {
    if (!executables.includes(file) && files[file] === undefined)
      throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return {
      isFile: () => true,
      isDirectory: () => false,
      mode: executables.includes(file) ? 0o755 : 0o644,
    } as Stats;
  };
  host.listDir = async (dir) => options.dirs?.[dir] ?? [];
  return host;
}

describe("the python3 a pyenv shim runs, without the shim's chain of shells", () => {
  it('runs the global version as pyenv exec would: its bin first on PATH, PYENV_VERSION set', async () => {
    const interpreter = await interpreterFor(pyenvHost({}), SHIM, START_ENV);
    assert.deepEqual(interpreter, {
      file: `${ROOT}/versions/3.12.3/bin/python3`,
      env: {
        PATH: `${ROOT}/versions/3.12.3/bin:${START_ENV.PATH}`,
        HOME: '/home/user',
        PYENV_VERSION: '3.12.3',
      },
    });
  });

  it("PYENV_VERSION (pyenv shell) wins over the global version, as in the user's shell", async () => {
    const host = pyenvHost({ executables: [`${ROOT}/libexec/pyenv`, `${ROOT}/versions/3.11.9/bin/python3`] });
    const interpreter = await interpreterFor(host, SHIM, { ...START_ENV, PYENV_VERSION: '3.11.9' });
    assert.equal(interpreter.file, `${ROOT}/versions/3.11.9/bin/python3`);
  });

  it("pyenv-virtualenv's and pip's hooks change nothing for an installed version", async () => {
    const host = pyenvHost({
      dirs: {
        [`${ROOT}/plugins`]: ['pyenv-virtualenv'],
        [`${ROOT}/plugins/pyenv-virtualenv/etc/pyenv.d/which`]: [
          'conda.bash',
          'python-config.bash',
          'system-site-packages.bash',
        ],
        [`${ROOT}/pyenv.d/exec`]: ['pip-rehash', 'pip-rehash.bash'],
      },
    });
    assert.equal((await interpreterFor(host, SHIM, START_ENV)).file, `${ROOT}/versions/3.12.3/bin/python3`);
  });

  const shimItself = [
    ['a local .python-version where the doctor runs it', { files: { '/.python-version': '3.9.1\n' } }],
    ['several versions', { files: { [`${ROOT}/version`]: '3.12.3\n3.11.9\n' } }],
    ['the system python', { files: { [`${ROOT}/version`]: 'system\n' } }],
    ['no global version file', { files: { [`${ROOT}/version`]: null } }],
    ['a prefix pyenv would complete (3.12)', { files: { [`${ROOT}/version`]: '3.12\n' } }],
    ['a version without python3', { executables: [`${ROOT}/libexec/pyenv`] }],
    [
      'a shim whose pyenv is gone (upgraded by a package manager)',
      { executables: [`${ROOT}/versions/3.12.3/bin/python3`] },
    ],
    [
      'a version file that starts with a byte-order mark',
      { files: { [`${ROOT}/version`]: '\uFEFF3.12.3\n' } },
    ],
    ["a known hook's name in another folder", { dirs: { '/etc/pyenv.d/which': ['conda.bash'] } }],
    [
      "a shim's lines in another order",
      {
        files: {
          [SHIM]: SHIM_TEXT.replace(
            'set -e\n[ -n "$PYENV_DEBUG" ] && set -x\n',
            '[ -n "$PYENV_DEBUG" ] && set -x\nset -e\n',
          ),
        },
      },
    ],
    ['a hook it does not know', { dirs: { '/etc/pyenv.d/which': ['custom.bash'] } }],
    [
      'a plugin hook on version-name',
      { dirs: { [`${ROOT}/plugins`]: ['p'], [`${ROOT}/plugins/p/etc/pyenv.d/version-name`]: ['x.bash'] } },
    ],
    [
      'a shim with a line of its own',
      { files: { [SHIM]: SHIM_TEXT.replace('set -e\n', 'set -e\nexport PYTHONPATH=/x\n') } },
    ],
  ] as const satisfies readonly (readonly [string, unknown])[];
  for (const [why, setup] of shimItself) {
    it(`runs the shim itself for ${why}`, async () => {
      const host = pyenvHost(setup as Parameters<typeof pyenvHost>[0]);
      const interpreter = await interpreterFor(host, SHIM, START_ENV);
      assert.deepEqual(interpreter, { file: SHIM, env: START_ENV });
    });
  }

  it('a shim of pyenv 2.0 to 2.2 (no SHIM_PATH lines) is seen through too', async () => {
    const older = SHIM_TEXT.replace(/SHIM_PATH=[\s\S]*?fi\n/, '');
    assert.ok(!older.includes('SHIM_PATH'));
    const interpreter = await interpreterFor(pyenvHost({ files: { [SHIM]: older } }), SHIM, START_ENV);
    assert.equal(interpreter.file, `${ROOT}/versions/3.12.3/bin/python3`);
  });

  it('PYENV_VERSION: empty is unset (the global version); several versions: the shim', async () => {
    const empty = await interpreterFor(pyenvHost({}), SHIM, { ...START_ENV, PYENV_VERSION: '' });
    assert.equal(empty.file, `${ROOT}/versions/3.12.3/bin/python3`);
    const several = await interpreterFor(pyenvHost({}), SHIM, {
      ...START_ENV,
      PYENV_VERSION: '3.12.3:3.11.9',
    });
    assert.equal(several.file, SHIM);
  });

  it('a python3 that is not a shim is run as it is', async () => {
    const interpreter = await interpreterFor(pyenvHost({}), '/usr/bin/python3', START_ENV);
    assert.equal(interpreter.file, '/usr/bin/python3');
    assert.deepEqual(interpreter.env, START_ENV);
  });
});
