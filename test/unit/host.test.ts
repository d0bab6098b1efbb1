import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readBounded, realHost } from '../../src/host.ts';

describe('finding a program on PATH, as a shell does', () => {
  it('the first executable file of the name: past a plain file, a folder and a missing folder', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'eliza-doctor-path-'));
    try {
      const plain = path.join(root, 'plain');
      const folder = path.join(root, 'folder');
      const real = path.join(root, 'real');
      const later = path.join(root, 'later');
      for (const dir of [plain, folder, real, later]) mkdirSync(dir);
      writeFileSync(path.join(plain, 'tool'), 'not executable');
      mkdirSync(path.join(folder, 'tool'));
      for (const dir of [real, later]) {
        writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
        chmodSync(path.join(dir, 'tool'), 0o755);
      }
      const searchPath = [plain, path.join(root, 'missing'), folder, real, later].join(path.delimiter);
      const host = realHost({ PATH: searchPath, HOME: root });
      // Root may read and execute what it likes, but a file without any x bit is not a program.
      assert.equal(await host.findExecutable('tool'), path.join(real, 'tool'));
      assert.equal(await host.findExecutable('absent'), null);
      // Asked again: the same answer, from the run's own memory of PATH.
      rmSync(path.join(real, 'tool'));
      assert.equal(await host.findExecutable('tool'), path.join(real, 'tool'));
      // Another host (another run) looks again.
      assert.equal(
        await realHost({ PATH: searchPath, HOME: root }).findExecutable('tool'),
        path.join(later, 'tool'),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('reading a file within a bound', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'eliza-doctor-read-'));
  const file = (name: string, bytes: number) => {
    const p = path.join(root, name);
    writeFileSync(p, Buffer.alloc(bytes, 0x61));
    return p;
  };
  const code = (promise: Promise<unknown>) =>
    promise.then(
      () => 'read',
      (error: NodeJS.ErrnoException) => error.code,
    );

  it('the whole of it, small, past the first read, or exactly at the bound', async () => {
    for (const bytes of [0, 1, 3000, 256 * 1024, 256 * 1024 + 1, 1024 * 1024]) {
      const read = await readBounded(file(`f${bytes}`, bytes), 1024 * 1024);
      assert.equal(read.length, bytes, `${bytes} bytes`);
      assert.ok(read.every((b) => b === 0x61));
    }
  });

  it('more than the bound: EFBIG, whether the size says so or the reads find it', async () => {
    assert.equal(await code(readBounded(file('big', 5000), 4999)), 'EFBIG');
    assert.equal(await code(readBounded(file('bigger', 300 * 1024), 280 * 1024)), 'EFBIG');
    assert.equal(await code(readBounded('/dev/zero', 1000)), 'EFBIG');
  });

  it('a file whose size says 0 (/proc) is read to its end', {
    skip: !existsSync('/proc/self/status') && 'no /proc here',
  }, async () => {
    const status = (await readBounded('/proc/self/status', 1024 * 1024)).toString('utf8');
    assert.match(status, /^Name:/);
  });

  it('a folder, a missing file and a FIFO without a writer fail at once (no wait for a writer)', async () => {
    assert.equal(await code(readBounded(root, 1000)), 'EISDIR');
    assert.equal(await code(readBounded(path.join(root, 'missing'), 1000)), 'ENOENT');
    const fifo = path.join(root, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0)
      assert.match(String(await code(readBounded(fifo, 1000))), /^E[A-Z]+$/);
  });
});
