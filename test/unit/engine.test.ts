import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config.ts';
import { fail, pass, regardlessOfNeeds, warn } from '../../src/engine/outcome.ts';
import { closureOf, runChecks } from '../../src/engine/runner.ts';
import type { Check, CheckContext, Outcome } from '../../src/engine/types.ts';
import type { CheckId } from '../../src/facts.ts';
import { fakeHost, fakeNet } from '../helpers/fakes.ts';

const context = {
  config: buildConfig({}, {}),
  host: fakeHost(),
  net: fakeNet({}),
  registerSecret: () => undefined,
};
// The engine knows checks by their ids; stubs borrow real ones (their own code is not run).
const stub = (
  id: CheckId,
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
  selected: CheckId[] = registry.map((c) => c.id),
  more: Partial<Parameters<typeof runChecks>[0]> = {},
) =>
  runChecks({
    registry,
    selected: new Set(selected),
    context,
    checkTimeoutMs: 1000,
    deadlineMs: 2000,
    ...more,
  }).then((r) => r.results);

describe('runChecks', () => {
  it('reports in registry order whatever order checks finish in', async () => {
    const finished: string[] = [];
    const results = await run(
      [stub('dns', after(40, pass('s'))), stub('tcp', after(1, pass('scheme')))],
      undefined,
      { onFinish: (r) => finished.push(r.id) },
    );
    assert.deepEqual(
      results.map((r) => r.id),
      ['dns', 'tcp'],
    );
    assert.deepEqual(finished, ['tcp', 'dns']);
  });

  it('runs independent checks concurrently', async () => {
    let running = 0;
    let most = 0;
    const tracked = (id: CheckId) =>
      stub(id, async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return pass(id);
      });
    await run([tracked('dns'), tracked('tcp'), tracked('tls')]);
    assert.equal(most, 3);
  });

  it('skips a check whose hard dependency failed, naming it, and the skip propagates', async () => {
    const results = await run([
      stub('dns', async () => fail('DNS_NOT_FOUND', 'a is broken')),
      stub('tcp', async () => pass('never'), { needs: ['dns'] }),
      stub('tls', async () => pass('never'), { needs: ['tcp'] }),
    ]);
    assert.deepEqual(
      results.map((r) => [r.status, r.code, r.summary]),
      [
        ['fail', 'DNS_NOT_FOUND', 'a is broken'],
        ['skip', 'DEPENDENCY_NOT_MET', 'dns failed'],
        ['skip', 'DEPENDENCY_NOT_MET', 'dns failed'],
      ],
    );
  });

  it('lets a warning dependency through, and a soft one never skips', async () => {
    const results = await run([
      stub('dns', async () => warn('TCP_PARTIAL', 'meh')),
      stub('scheme', async () => fail('SCHEME_HTTP', 'scheme')),
      stub(
        'tcp',
        async (ctx) =>
          pass(`saw ${(await ctx.result('dns')).status} and ${(await ctx.result('scheme')).status}`),
        {
          needs: ['dns'],
          reads: ['scheme'],
        },
      ),
    ]);
    assert.equal(results[2]!.summary, 'saw warn and fail');
  });

  it('starts an early check alongside its need, and drops its answer when that fails', async () => {
    const order: string[] = [];
    const results = await run([
      stub('dns', async () => {
        order.push('slow started');
        await new Promise((r) => setTimeout(r, 30));
        order.push('slow done');
        return fail('DNS_TIMEOUT', 'broke');
      }),
      stub(
        'tcp',
        async () => {
          order.push('spec started');
          return pass('answered');
        },
        { needs: ['dns'], startEarly: true },
      ),
    ]);
    assert.ok(order.indexOf('spec started') < order.indexOf('slow done'), order.join(', '));
    assert.deepEqual(
      [results[1]!.status, results[1]!.code, results[1]!.summary],
      ['skip', 'DEPENDENCY_NOT_MET', 'dns failed'],
    );
  });

  it('keeps an early answer when the need passes', async () => {
    const results = await run([
      stub('dns', after(20, pass('ok'))),
      stub('tcp', async () => pass('answered'), { needs: ['dns'], startEarly: true }),
    ]);
    assert.equal(results[1]!.summary, 'answered');
  });

  it('starts a check that yields to another after it, without pulling it into the run', async () => {
    const order: string[] = [];
    const registry = [
      stub('tls', async () => {
        await after(30, pass('ok'))();
        order.push('tls done');
        return pass('ok');
      }),
      stub(
        'insecure-settings',
        async () => {
          order.push('local started');
          return pass('nothing insecure');
        },
        { yieldsTo: ['tls'] },
      ),
    ];
    await run(registry);
    assert.deepEqual(order, ['tls done', 'local started']);
    order.length = 0;
    const alone = await run(registry, ['insecure-settings']);
    assert.deepEqual(
      alone.map((r) => r.id),
      ['insecure-settings'],
    );
    assert.deepEqual(order, ['local started']);
  });

  it('records a crash as CHECK_CRASHED and goes on', async () => {
    const results = await run([
      stub('dns', async () => {
        throw new TypeError('x is undefined');
      }),
      stub('tcp', async () => pass('ok')),
    ]);
    assert.equal(results[0]!.code, 'CHECK_CRASHED');
    assert.match(results[0]!.summary, /TypeError: x is undefined/);
    assert.equal(results[1]!.status, 'pass');
  });

  it('bounds a check that never settles', async () => {
    const results = await run([stub('dns', () => new Promise<Outcome>(() => undefined))], undefined, {
      checkTimeoutMs: 50,
    });
    assert.equal(results[0]!.code, 'TIMEOUT');
  });

  it('bounds the whole run, however the checks chain', async () => {
    const results = await run(
      [
        stub('dns', after(80, pass('dns'))),
        stub('tcp', after(80, pass('tcp')), { needs: ['dns'] }),
        stub('tls', after(80, pass('tls')), { needs: ['tcp'] }),
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
          'dns',
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
    const results = await run([stub('dns', () => new Promise<Outcome>(() => undefined))], undefined, {
      signal: interrupt.signal,
    });
    assert.equal(results[0]!.code, 'INTERRUPTED');
  });

  it('runs prerequisites of a selected check without reporting them', async () => {
    let ranA = false;
    const results = await run(
      [
        stub('dns', async () => {
          ranA = true;
          return pass('dns');
        }),
        stub('tcp', async () => pass('tcp'), { needs: ['dns'] }),
      ],
      ['tcp'],
    );
    assert.equal(ranA, true);
    assert.deepEqual(
      results.map((r) => r.id),
      ['tcp'],
    );
  });

  it('refuses to read an undeclared dependency', async () => {
    const results = await run([
      stub('dns', async () => pass('dns')),
      stub('tcp', async (ctx) => pass((await ctx.result('dns')).summary)),
    ]);
    assert.equal(results[1]!.code, 'CHECK_CRASHED');
  });

  it('keeps an answer given regardless of needs, and drops an early answer that depends on them', async () => {
    const results = await run([
      stub('tls', after(30, fail('TLS_EXPIRED', 'expired'))),
      stub('token', async () => regardlessOfNeeds(fail('TOKEN_MISSING', 'no token')), {
        needs: ['tls'],
        startEarly: true,
      }),
      stub('models', async () => pass('listed'), { needs: ['tls'], startEarly: true }),
    ]);
    assert.deepEqual(
      results.map((r) => r.code),
      ['TLS_EXPIRED', 'TOKEN_MISSING', 'DEPENDENCY_NOT_MET'],
    );
  });

  it('gives an early check a need when it is done, and skips it when the need breaks', async () => {
    const seen: string[] = [];
    const results = await run([
      stub('dns', after(20, pass('resolved'))),
      stub('tcp', after(20, fail('TCP_REFUSED', 'refused'))),
      stub(
        'tls',
        async (ctx) => {
          seen.push((await ctx.result('dns')).summary);
          await ctx.result('tcp');
          seen.push('never');
          return pass('never');
        },
        { needs: ['dns', 'tcp'], startEarly: true },
      ),
    ]);
    assert.deepEqual(seen, ['resolved']);
    assert.deepEqual([results[2]!.status, results[2]!.summary], ['skip', 'tcp failed']);
  });

  it('names the root cause, not the chain, and hands back the hidden prerequisites', async () => {
    const { results, prerequisites } = await runChecks({
      registry: [
        stub('dns', async () => fail('DNS_NOT_FOUND', 'no such name')),
        stub('tcp', async () => pass('never'), { needs: ['dns'] }),
        stub('tls', async () => pass('never'), { needs: ['tcp'] }),
      ],
      selected: new Set(['tls']),
      context,
      checkTimeoutMs: 1000,
      deadlineMs: 2000,
    });
    assert.deepEqual(
      results.map((r) => [r.id, r.code, r.summary]),
      [['tls', 'DEPENDENCY_NOT_MET', 'dns failed']],
    );
    assert.deepEqual(
      prerequisites.map((r) => [r.id, r.status]),
      [
        ['dns', 'fail'],
        ['tcp', 'skip'],
      ],
    );
  });

  it('closureOf names an unknown dependency', () => {
    assert.throws(
      () => closureOf([stub('dns', async () => pass(''), { needs: ['ghost' as CheckId] })], new Set(['dns'])),
      /ghost/,
    );
  });
});
