/**
 * The ready-to-paste configuration per client, for `eliza-doctor setup <client>` and for the
 * CLIENT_NOT_ELIZA fix: the same lines `fix` would write, for a person who prefers to paste.
 */
import { claudeCodeSetup } from './claude-code.ts';
import { CODEX_SETUP } from './codex.ts';
import { continueSetup } from './continue.ts';
import { PYTHON_SETUP } from './python-setup.ts';
import type { RouteFamily } from './types.ts';

export interface SetupContext {
  /** The gateway's https base with the route a wire API needs. */
  baseUrl(family: RouteFamily): string;
  /** Where `fix` installs the verified internal CA bundle. */
  caPath: string;
}

export interface SetupSnippet {
  /** As people call the client: "Claude Code". */
  client: string;
  /** Where the lines go: "~/.claude/settings.json". */
  file: string;
  text(ctx: SetupContext): string;
}

/** By the name `setup` takes: one line per client. */
export const SETUP_SNIPPETS: Record<string, SetupSnippet> = {
  'claude-code': claudeCodeSetup,
  codex: CODEX_SETUP,
  continue: continueSetup,
  python: PYTHON_SETUP,
};
