import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_CWD } from '../../src/child-env.ts';
import { execInWorker, spawnerThread } from '../../src/spawner.ts';

const ECHO_STDIN =
  "let s='';process.stdin.on('data',d=>s+=d);process.stdin.on('end',()=>process.stdout.write('['+s+']'))";
const base = { env: { PATH: process.env.PATH }, cwd: NEUTRAL_CWD, timeoutMs: 20_000 };

describe('programs started from the worker thread', () => {
  it('gives a program its input, also when it is known only after the program started', async () => {
    const now = await execInWorker(process.execPath, ['-e', ECHO_STDIN], { ...base, input: 'at once' });
    assert.equal(now.stdout, '[at once]');
    let give: (text: string) => void = () => undefined;
    const later = new Promise<string>((resolve) => {
      give = resolve;
    });
    const running = execInWorker(process.execPath, ['-e', ECHO_STDIN], { ...base, input: later });
    setTimeout(() => give('127.0.0.1\n'), 200);
    const result = await running;
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '[127.0.0.1\n]');
  });

  it('an input that never comes (a rejected promise) closes stdin empty', async () => {
    const result = await execInWorker(process.execPath, ['-e', ECHO_STDIN], {
      ...base,
      input: Promise.reject(new Error('no address')),
    });
    assert.equal(result.stdout, '[]');
  });

  it('streams stdout line by line when asked: split chunks, CRLF, a last line without newline', async () => {
    const lines: string[] = [];
    const script = [
      'const w = (t) => new Promise((r) => process.stdout.write(t, r));',
      '(async () => { await w(\'trust {\\"a\\":\'); await new Promise((r) => setTimeout(r, 50));',
      "await w('1}\\r\\nx'.padEnd(70000, 'x') + '\\nclients ü'); await new Promise((r) => setTimeout(r, 50));",
      "await w('\\nlast'); })();",
    ].join(' ');
    const result = await execInWorker(process.execPath, ['-e', script], {
      ...base,
      onLine: (line) => lines.push(line),
    });
    assert.equal(result.code, 0);
    // The 70,000-character line is dropped whole, not split; the others come as they are written.
    assert.deepEqual(lines, ['trust {"a":1}', 'clients ü', 'last']);
  });

  it('is bounded, and stopped by its signal', async () => {
    const bounded = await execInWorker(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      ...base,
      timeoutMs: 300,
    });
    assert.equal(bounded.timedOut, true);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const stopped = await execInWorker(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      ...base,
      signal: controller.signal,
    });
    assert.equal(stopped.timedOut, true);
  });

  it('lets its thread go once idle, but not between one program and the next a check starts', async () => {
    const quick = () => execInWorker(process.execPath, ['-e', ''], base);
    await quick();
    const first = spawnerThread();
    assert.notEqual(first, null);
    // Started as the first one's answer arrives (before the loop turns): the same thread.
    await quick();
    assert.equal(spawnerThread(), first);
    await new Promise((resolve) => setImmediate(resolve));
    // Idle across a turn of the loop: gone, so that the process's exit does not wait to tear it down.
    assert.equal(spawnerThread(), null);
    const later = await quick();
    assert.equal(later.code, 0);
    assert.notEqual(spawnerThread(), first);
  });

  it('a program that cannot start says why, without throwing', async () => {
    const result = await execInWorker('/nonexistent/program', [], base);
    assert.equal(result.code, null);
    assert.equal(result.error, 'ENOENT');
  });
});
