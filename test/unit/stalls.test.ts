import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { duringStall, STALL_MS, watchStalls } from '../../src/stalls.ts';

const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("this thread's stalls, recorded while watched", () => {
  it('a hold shows as a stall covering it, also one that ends just before the watch stops', async () => {
    const stop = watchStalls();
    await turn();
    const from = performance.now();
    hold(120);
    const to = performance.now();
    await turn();
    hold(80);
    const stalls = stop();
    assert.ok(
      stalls.some((s) => s.from <= from + 6 && s.to >= to && s.to - s.from >= 120),
      JSON.stringify(stalls),
    );
    // The second hold had no timer after it: the watch's end closes it.
    assert.ok(
      stalls.some((s) => s.to - s.from >= 80 && s.from > to),
      JSON.stringify(stalls),
    );
  });

  it('watchers share one timer: each gets the stalls since it began, and stopping twice gives the same', async () => {
    const first = watchStalls();
    const firstHoldAt = performance.now();
    hold(60);
    await turn();
    const secondFrom = performance.now();
    const second = watchStalls();
    hold(60);
    await turn();
    const late = second();
    const early = first();
    // A loaded machine may add stalls of its own; these two are there whatever it does.
    assert.ok(late.length >= 1 && late.every((s) => s.to >= secondFrom), JSON.stringify(late));
    assert.ok(
      early.some((s) => s.to < secondFrom && s.to >= firstHoldAt + 60),
      JSON.stringify(early),
    );
    assert.ok(early.length > late.length);
    assert.deepEqual(second(), late);
  });

  it('an event read during a stall, or within one sample after it, was stamped late', () => {
    const stalls = [{ fromMs: 100, toMs: 400 }];
    assert.ok(duringStall(250, stalls));
    assert.ok(duringStall(403, stalls));
    assert.ok(!duringStall(90, stalls));
    assert.ok(!duringStall(400 + STALL_MS, stalls));
  });
});
