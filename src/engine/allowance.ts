/** What starting python3, curl or a fresh node may take on a loaded machine, beyond any network wait. */
export const PROGRAM_START_ALLOWANCE_MS = 1000;
