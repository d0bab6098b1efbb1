import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { CLI, type CliResult, runCli, runProgram, snapshot, stage } from '../helpers/cli.ts';

const untrusted = scenarioByName('untrusted-ca')!;
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** The CLI as another user: how a HOME that is not writable looks even to a test run as root. */
function runCliAs(uid: number, args: string[], options: { env: Record<string, string>; home: string }) {
  return runProgram(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: options.home, ...options.env },
    cwd: '/',
    uid,
  });
}

describe('fix: whose files, which modes', () => {
  it('as root, with the HOME of another user (sudo -E), changes nothing there and says why', {
    skip: isRoot ? false : 'needs root: only root can stage a HOME of another uid',
  }, async () => {
    const staged = await stage(untrusted);
    try {
      const home = staged.home;
      writeFileSync(path.join(home, '.bashrc'), 'alias ll="ls -l"\n');
      chownSync(path.join(home, '.bashrc'), NOBODY, NOBODY);
      chownSync(home, NOBODY, NOBODY);
      const before = snapshot(home);
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const result = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(result.code, 1, result.stdout);
      assert.deepEqual(snapshot(home), before);
      assert.ok(!existsSync(path.join(home, '.local')));
    } finally {
      await staged.close();
    }
  });

  it("as root, keeps each changed file's owner and mode", {
    skip: isRoot ? false : 'needs root: only root can stage a file of another uid',
  }, async () => {
    const staged = await stage(untrusted);
    try {
      const bashrc = path.join(staged.home, '.bashrc');
      writeFileSync(bashrc, 'alias ll="ls -l"\n');
      chmodSync(bashrc, 0o600);
      chownSync(bashrc, NOBODY, NOBODY);
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const result = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home: staged.home });
      assert.equal(result.code, 0, result.stdout);
      const after = statSync(bashrc);
      assert.match(readFileSync(bashrc, 'utf8'), /NODE_EXTRA_CA_CERTS/);
      assert.equal(after.uid, NOBODY);
      assert.equal(after.mode & 0o777, 0o600);
    } finally {
      await staged.close();
    }
  });

  it('creates files as the umask says', async () => {
    const staged = await stage(untrusted);
    try {
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const result = await runProgram(
        '/bin/sh',
        [
          '-c',
          'umask 077 && exec "$0" "$@"',
          process.execPath,
          CLI,
          'fix',
          '--yes',
          ...staged.invocation.args,
        ],
        { env: { PATH: process.env.PATH, HOME: staged.home, ...env }, cwd: staged.home, killAfterMs: 60_000 },
      );
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const data = path.join(staged.home, '.local', 'share', 'eliza-doctor');
      for (const file of [
        path.join(data, 'YandexInternalCA.pem'),
        path.join(data, 'ca-bundle-with-internal.pem'),
        path.join(data, 'manifest.json'),
        path.join(staged.home, '.bashrc'),
      ]) {
        assert.equal(statSync(file).mode & 0o077, 0, `${file} is readable by others`);
      }
    } finally {
      await staged.close();
    }
  });

  it('with nothing writable, says what could not be written and fails', async (t) => {
    // As root, the fix runs as nobody: a node that nobody may run (npx's copy under /root) cannot.
    if (isRoot && spawnSync(process.execPath, ['-e', '0'], { uid: NOBODY, cwd: '/' }).status !== 0)
      return t.skip(`nobody cannot run ${process.execPath}`);
    const staged = await stage(untrusted);
    try {
      const home = staged.home;
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      let result: CliResult;
      if (isRoot) {
        // Root may write anywhere: the fix runs as a user whose HOME is not writable, even to them.
        chmodSync(path.dirname(home), 0o755);
        chownSync(home, NOBODY, NOBODY);
        chmodSync(home, 0o555);
        result = await runCliAs(NOBODY, ['fix', '--yes', ...staged.invocation.args], { env, home });
      } else {
        chmodSync(home, 0o555);
        result = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      }
      chmodSync(home, 0o755);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /leave .*alone/);
      assert.deepEqual(readdirSync(home), []);
    } finally {
      await staged.close();
    }
  });

  it('--undo goes on past a file it cannot put back, keeps it listed, and finishes later', async () => {
    const staged = await stage(untrusted);
    try {
      const home = staged.home;
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      writeFileSync(path.join(home, '.bashrc'), 'alias ll="ls -l"\n');
      const fixed = await runCli(['fix', '--yes', ...staged.invocation.args], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout);
      // .bashrc is now something no undo can restore in place.
      const bashrc = path.join(home, '.bashrc');
      rmSync(bashrc);
      mkdirSync(bashrc);
      const data = path.join(home, '.local', 'share', 'eliza-doctor');
      const partly = await runCli(['fix', '--undo'], { env, home });
      assert.equal(partly.code, 1, partly.stdout + partly.stderr);
      assert.ok(!existsSync(path.join(data, 'YandexInternalCA.pem')), 'the other entries were undone');
      const manifest = JSON.parse(readFileSync(path.join(data, 'manifest.json'), 'utf8'));
      assert.deepEqual(Object.keys(manifest.entries), [bashrc]);

      rmSync(bashrc, { recursive: true });
      writeFileSync(bashrc, 'alias ll="ls -l"\n');
      const finished = await runCli(['fix', '--undo'], { env, home });
      assert.equal(finished.code, 0, finished.stdout + finished.stderr);
      assert.ok(!existsSync(path.join(data, 'manifest.json')));
      assert.ok(!existsSync(`${bashrc}.eliza-doctor.bak`));
    } finally {
      await staged.close();
    }
  });
});
