import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { closedPort, parseReport, ROOT, runProgram, tempDir } from '../helpers/cli.ts';

const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PATH = process.env.PATH ?? '/usr/bin:/bin';

/** Just enough for node and npm to run: none of this machine's CA, proxy or npm_config_* settings. */
function bareEnv(home: string): Record<string, string> {
  return { PATH, HOME: home };
}

// npm sits beside node in every official distribution; some containers have node alone.
const npmProbe = spawnSync('npm', ['--version'], { encoding: 'utf8', env: { PATH }, timeout: 10_000 });
const npmMissing =
  npmProbe.status === 0
    ? false
    : 'npm is not available here, so packing and installing the tarball cannot be tested';

describe('an install that needs neither network nor trust', () => {
  it('package.json has no runtime dependencies: dist bundles them', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
    assert.deepEqual(Object.keys(pkg.optionalDependencies ?? {}), []);
    assert.deepEqual(Object.keys(pkg.peerDependencies ?? {}), []);
  });

  it('npm pack gives a tarball that npm install -g installs and runs with no network', {
    skip: npmMissing,
    timeout: 60_000,
  }, async () => {
    const dir = tempDir('eliza-doctor-pack-');
    const home = path.join(dir, 'home');
    mkdirSync(home);
    const userconfig = path.join(dir, 'npmrc');
    writeFileSync(userconfig, '');
    // --ignore-scripts: dist/ is built already (npm test builds first); a rebuild here would race
    // the other tests that run it.
    const packed = await runProgram(
      'npm',
      ['pack', '--ignore-scripts', '--pack-destination', dir, '--userconfig', userconfig],
      { env: bareEnv(home), cwd: ROOT, killAfterMs: 30_000 },
    );
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = path.join(dir, `eliza-doctor-${version}.tgz`);
    assert.ok(existsSync(tarball), `npm pack wrote ${readdirSync(dir).join(', ')}`);

    // A registry nobody answers and an empty cache: any fetch at all fails the install.
    const registry = `http://127.0.0.1:${await closedPort()}/`;
    const prefix = path.join(dir, 'prefix');
    const installed = await runProgram(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--offline',
        '--cache',
        path.join(dir, 'empty-cache'),
        '--registry',
        registry,
        '--userconfig',
        userconfig,
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { env: bareEnv(home), cwd: dir, killAfterMs: 30_000 },
    );
    assert.equal(installed.code, 0, installed.stderr);
    const packageDir = path.join(prefix, 'lib', 'node_modules', 'eliza-doctor');
    assert.equal(existsSync(path.join(packageDir, 'node_modules')), false, 'nothing installed beside it');

    const bin = path.join(prefix, 'bin', 'eliza-doctor');
    const shown = await runProgram(bin, ['--version'], { env: bareEnv(home), cwd: dir });
    assert.equal(shown.stdout.trim(), version);
    const demo = await runProgram(bin, ['demo', '--json'], {
      env: bareEnv(home),
      cwd: dir,
      killAfterMs: 30_000,
    });
    assert.equal(demo.code, 0, demo.stderr);
    assert.equal(parseReport(demo.stdout).ok, true);
  });

  it('dist/eliza-doctor.mjs runs alone, copied into an empty folder', { timeout: 40_000 }, async () => {
    const dir = tempDir('eliza-doctor-one-file-');
    const home = path.join(dir, 'home');
    mkdirSync(home);
    const file = path.join(dir, 'eliza-doctor.mjs');
    copyFileSync(path.join(ROOT, 'dist', 'eliza-doctor.mjs'), file);
    const node = process.execPath;
    const shown = await runProgram(node, [file, '--version'], { env: bareEnv(home), cwd: dir });
    assert.equal(shown.stdout.trim(), version);
    const listed = await runProgram(node, [file, 'list'], { env: bareEnv(home), cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    // demo loads what the split build loads lazily: the loopback gateway, node-forge and undici.
    const demo = await runProgram(node, [file, 'demo', '--json'], {
      env: bareEnv(home),
      cwd: dir,
      killAfterMs: 30_000,
    });
    assert.equal(demo.code, 0, demo.stderr);
    const report = parseReport(demo.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.checks.find((c) => c.id === 'round-trip')?.status, 'pass');
    // And the live view (listr2), which only the non-JSON path loads.
    const plain = await runProgram(node, [file, 'demo', '--only', 'tls'], {
      env: bareEnv(home),
      cwd: dir,
      killAfterMs: 30_000,
    });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['eliza-doctor.mjs', 'home']);
  });
});
