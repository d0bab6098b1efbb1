import { isBroken, skip } from './outcome.ts';
import type { CheckContext, Outcome } from './types.ts';

/**
 * For soft prerequisites that a check needs only on some paths: the same skip the engine gives
 * for a broken hard prerequisite, so the root cause is still reported once.
 */
export function unmet(ctx: CheckContext, ids: string[]): Outcome | null {
  const broken = ids.filter((id) => isBroken(ctx.dependency(id)));
  if (broken.length === 0) return null;
  return skip(
    'DEPENDENCY_NOT_MET',
    broken.map((id) => `${id} ${ctx.dependency(id).status === 'fail' ? 'failed' : 'was skipped'}`).join(', '),
  );
}
