import type { Check } from './engine/types.ts';

/** The shipped build's stand-in for src/test-hooks.ts: no hook at all. */
export function withTestHooks(checks: readonly Check[]): readonly Check[] {
  return checks;
}
