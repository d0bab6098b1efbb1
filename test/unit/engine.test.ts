import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config.ts';
import { fail, pass, warn } from '../../src/engine/outcome.ts';
import { closureOf, runChecks } from '../../src/engine/runner.ts';
import type { Check, CheckContext, Outcome } from '../../src/engine/types.ts';
import { fakeHost, fakeNet } from '../helpers/fakes.ts';

const context = { config: buildConfig({}, {}), host: fakeHost(), net: fakeNet({}) };
const stub = (
  id: string,
  run: (ctx: CheckContext) => Promise<Outcome>,
  extra: Partial<Check> = {},
): Check => ({
  id,
  title: `the ${id} check`,
  network: false,
  run,
  ...extra,
});
const after = (ms: number, outcome: Outcome) => () =>
  new Promise<Outcome>((r) => setTimeout(() => r(outcome), ms));
const run = (
  registry: Check[],
  selected = registry.map((c) => c.id),
  more: Partial<Parameters<typeof runChecks>[0]> = {},
) =>
  runChecks({
    registry,
    selected: new Set(selected),
    context,
    checkTimeoutMs: 1000,
    deadlineMs: 2000,
    ...more,
  });

describe('runChecks', () => {
  it('reports in registry order whatever order checks finish in', async () => {
    const finished: string[] = [];
    const results = await run(
      [stub('slow', after(40, pass('s'))), stub('fast', after(1, pass('f')))],
      undefined,
      { onFinish: (r) => finished.push(r.id) },
    );
    assert.deepEqual(
      results.map((r) => r.id),
      ['slow', 'fast'],
    );
    assert.deepEqual(finished, ['fast', 'slow']);
  });

  it('runs independent checks concurrently', async () => {
    let running = 0;
    let most = 0;
    const tracked = (id: string) =>
      stub(id, async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return pass(id);
      });
    await run([tracked('a'), tracked('b'), tracked('c')]);
    assert.equal(most, 3);
  });

  it('skips a check whose hard dependency failed, naming it, and the skip propagates', async () => {
    const results = await run([
      stub('a', async () => fail('A_BROKEN', 'a is broken')),
      stub('b', async () => pass('never'), { dependsOn: ['a'] }),
      stub('c', async () => pass('never'), { dependsOn: ['b'] }),
    ]);
    assert.deepEqual(
      results.map((r) => [r.status, r.code, r.summary]),
      [
        ['fail', 'A_BROKEN', 'a is broken'],
        ['skip', 'DEPENDENCY_NOT_MET', 'a failed'],
        ['skip', 'DEPENDENCY_NOT_MET', 'b was skipped'],
      ],
    );
  });

  it('lets a warning dependency through, and a soft one never skips', async () => {
    const results = await run([
      stub('a', async () => warn('A_WARN', 'meh')),
      stub('f', async () => fail('F', 'f')),
      stub('b', async (ctx) => pass(`saw ${ctx.dependency('a').status} and ${ctx.dependency('f').status}`), {
        dependsOn: ['a'],
        uses: ['f'],
      }),
    ]);
    assert.equal(results[2]!.summary, 'saw warn and fail');
  });

  it('starts a speculative check alongside its hard dependency, and drops its answer when that fails', async () => {
    const order: string[] = [];
    const results = await run([
      stub('slow', async () => {
        order.push('slow started');
        await new Promise((r) => setTimeout(r, 30));
        order.push('slow done');
        return fail('SLOW_BROKE', 'broke');
      }),
      stub(
        'spec',
        async () => {
          order.push('spec started');
          return pass('answered');
        },
        { dependsOn: ['slow'], speculative: true },
      ),
    ]);
    assert.deepEqual(order, ['slow started', 'spec started', 'slow done']);
    assert.deepEqual(
      [results[1]!.status, results[1]!.code, results[1]!.summary],
      ['skip', 'DEPENDENCY_NOT_MET', 'slow failed'],
    );
  });

  it('keeps a speculative answer when the hard dependency passes', async () => {
    const results = await run([
      stub('dep', after(20, pass('ok'))),
      stub('spec', async () => pass('answered'), { dependsOn: ['dep'], speculative: true }),
    ]);
    assert.equal(results[1]!.summary, 'answered');
  });

  it('records a crash as CHECK_CRASHED and goes on', async () => {
    const results = await run([
      stub('boom', async () => {
        throw new TypeError('x is undefined');
      }),
      stub('fine', async () => pass('ok')),
    ]);
    assert.equal(results[0]!.code, 'CHECK_CRASHED');
    assert.match(results[0]!.summary, /TypeError: x is undefined/);
    assert.equal(results[1]!.status, 'pass');
  });

  it('bounds a check that never settles', async () => {
    const results = await run([stub('hang', () => new Promise<Outcome>(() => undefined))], undefined, {
      checkTimeoutMs: 50,
    });
    assert.equal(results[0]!.code, 'TIMEOUT');
  });

  it('bounds the whole run, however the checks chain', async () => {
    const results = await run(
      [
        stub('a', after(80, pass('a'))),
        stub('b', after(80, pass('b')), { dependsOn: ['a'] }),
        stub('c', after(80, pass('c')), { dependsOn: ['b'] }),
      ],
      undefined,
      { checkTimeoutMs: 1000, deadlineMs: 120 },
    );
    assert.deepEqual(
      results.map((r) => r.code),
      [null, 'TIMEOUT', 'DEPENDENCY_NOT_MET'],
    );
  });

  it('passes the abort signal so a check can stop its own work', async () => {
    let sawAbort = false;
    await run(
      [
        stub(
          'a',
          (ctx) =>
            new Promise<Outcome>((resolve) => {
              ctx.signal.addEventListener('abort', () => {
                sawAbort = true;
                resolve(pass('late'));
              });
            }),
        ),
      ],
      undefined,
      { checkTimeoutMs: 30 },
    );
    assert.equal(sawAbort, true);
  });

  it('marks checks interrupted on Ctrl-C', async () => {
    const interrupt = new AbortController();
    setTimeout(() => interrupt.abort(), 20);
    const results = await run([stub('hang', () => new Promise<Outcome>(() => undefined))], undefined, {
      signal: interrupt.signal,
    });
    assert.equal(results[0]!.code, 'INTERRUPTED');
  });

  it('runs prerequisites of a selected check without reporting them', async () => {
    let ranA = false;
    const results = await run(
      [
        stub('a', async () => {
          ranA = true;
          return pass('a');
        }),
        stub('b', async () => pass('b'), { dependsOn: ['a'] }),
      ],
      ['b'],
    );
    assert.equal(ranA, true);
    assert.deepEqual(
      results.map((r) => r.id),
      ['b'],
    );
  });

  it('refuses to read an undeclared dependency', async () => {
    const results = await run([
      stub('a', async () => pass('a')),
      stub('b', async (ctx) => pass(ctx.dependency('a').summary)),
    ]);
    assert.equal(results[1]!.code, 'CHECK_CRASHED');
  });

  it('closureOf names an unknown dependency', () => {
    assert.throws(
      () => closureOf([stub('a', async () => pass(''), { dependsOn: ['ghost'] })], new Set(['a'])),
      /ghost/,
    );
  });
});
