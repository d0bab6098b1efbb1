import type { Check } from './engine/types.ts';
import type { Secret } from './secret.ts';

/**
 * ELIZA_DOCTOR_CRASH_CHECK=ID makes that check throw, with the token in the error's message:
 * the tests prove with it that a crash is contained and that its message is redacted.
 * Only in the test build: the shipped bundle gets src/test-hooks.shipped.ts instead.
 */
export function withTestHooks(
  checks: readonly Check[],
  env: Readonly<Record<string, string | undefined>>,
  token: Secret | null,
): readonly Check[] {
  const id = env.ELIZA_DOCTOR_CRASH_CHECK;
  if (!id) return checks;
  return checks.map((check) =>
    check.id !== id
      ? check
      : {
          ...check,
          async run() {
            throw new Error(
              `forced crash (ELIZA_DOCTOR_CRASH_CHECK); token was ${token?.reveal() ?? 'none'}`,
            );
          },
        },
  );
}
