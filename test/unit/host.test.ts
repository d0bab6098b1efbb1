import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { realHost } from '../../src/host.ts';

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
