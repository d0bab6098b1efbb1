import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { threadWasHeld, watchStalls } from '../../src/stalls.ts';

const hold = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const turn = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("this thread's stalls, watched while a stream is read", () => {
  it('what the thread handles as it comes out of a hold was held; what it handles before, or unwatched, was not', async () => {
    assert.equal(threadWasHeld(), false, 'nobody watches');
    const stop = watchStalls();
    await turn();
    assert.equal(threadWasHeld(), false, 'a free thread');
    hold(60);
    // The timer has not fired since the hold began: the thread is only now free.
    assert.equal(threadWasHeld(), true);
    // Handled right after the late timer, in the same turn: still held.
    const afterTheLateTick = await new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(threadWasHeld()), 0),
    );
    assert.equal(afterTheLateTick, true);
    await turn();
    assert.equal(threadWasHeld(), false, 'free again');
    const stalls = stop();
    assert.ok(
      stalls.some((s) => s.to - s.from >= 60),
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
    assert.equal(threadWasHeld(), false, 'nobody watches any more');
  });
});
