/** What starting python3, curl or a fresh node may take on a loaded machine, beyond any network wait. */
export const PROGRAM_START_ALLOWANCE_MS = 1000;

/** One bound for a check, a little above the bound on each network operation inside it. */
export function checkTimeoutMs(timeoutMs: number): number {
  return timeoutMs + Math.max(250, Math.round(timeoutMs / 4));
}
