import type { Host } from '../host.ts';
import type { Redactor } from '../secret.ts';

/**
 * What a command may touch of its process: given to it, so that commands never reach for
 * `process` themselves. Everything written passes the run's redactor (src/report/output.ts).
 */
export interface Io {
  host: Host;
  /** Holds the token and every secret found on the way; applied to all output. */
  redactor: Redactor;
  out(text: string): void;
  err(text: string): void;
  stdoutIsTTY: boolean;
  /** The terminal's width, when it is one and says (0 or undefined otherwise). */
  columns: number | undefined;
  stdinIsTTY: boolean;
  /** Asks on the terminal; null when there is none to ask on. */
  ask(question: string): Promise<string | null>;
  /** Calls the handler on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** How this run was started (`node /path/cli.js` or `eliza-doctor`): for child runs and printed commands. */
  self: { execPath: string; script: string };
  /** The arguments this run was given (for reports; secrets in them are the redactor's). */
  args: string[];
}
