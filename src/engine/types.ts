import type { Code } from '../codes.ts';
import type { DoctorConfig } from '../config.ts';
import type { CheckId, FactsById } from '../facts.ts';
import type { Host } from '../host.ts';
import type { Net } from '../net/index.ts';
import type { Secret } from '../secret.ts';

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

/** A descriptor only: printing or applying it is someone else's job. */
export interface Fix {
  summary: string;
  /** Exactly as a user would paste them into a shell. */
  commands: string[];
  /** `eliza-doctor fix` can apply it. */
  automated: boolean;
}

export interface Outcome<D = unknown> {
  status: Status;
  /** null on pass, a stable code from the catalogue otherwise. */
  code: Code | null;
  summary: string;
  details: string[];
  fix: Fix | null;
  data: D;
}

export interface CheckResult<D = unknown> extends Outcome<D> {
  id: CheckId;
  title: string;
  durationMs: number;
}

export interface CheckContext {
  config: DoctorConfig;
  net: Net;
  host: Host;
  /** Aborts on the check's time bound, the run's deadline or an interrupt. */
  signal: AbortSignal;
  /** When (performance.now()) the check's bound runs out: waits inside it end before, to report. */
  boundAt: number;
  /**
   * The result of a check this one declares in `needs` or `reads`, once it is finished. For a
   * need that broke, it never gives a result: the runner reports this check as skipped instead.
   */
  result<K extends CheckId>(id: K): Promise<CheckResult<FactsById[K]>>;
  /** A secret found on the way (a key in a client's config): hidden in every output, like the token. */
  registerSecret(value: string | Secret): void;
}

export interface Check<D = unknown> {
  id: CheckId;
  title: string;
  /** Hard prerequisites: when one fails or is skipped, the runner reports this check as skipped. */
  needs?: readonly CheckId[];
  /** Soft prerequisites: readable through ctx.result, whatever their status. */
  reads?: readonly CheckId[];
  /**
   * Start at once instead of after `needs` and `reads`, reading them through ctx.result when they
   * are done. For requests that are cheap to waste and slow to wait for in a row: a wasted
   * request costs nothing (it fails for the same cause), and the run lasts as long as the slowest
   * call, not the sum of all. If a need then breaks, the answer is thrown away and the check is
   * reported as skipped.
   */
  startEarly?: boolean;
  /**
   * Local work that starts only once these checks are done, when they are in the run (never pulling
   * them in): the timed handshake then has the process to itself, rather than being stamped late
   * behind config parsing that nothing waits for.
   */
  yieldsTo?: readonly CheckId[];
  /** Talks to the gateway or the CA distribution point. */
  network: boolean;
  /** Makes HTTP requests (through undici), which the run then loads early. */
  http?: boolean;
  /** Still useful without the network (does its local part under --offline). */
  worksOffline?: boolean;
  /**
   * Time on top of the check's bound for starting other programs (python3, curl, a fresh node),
   * which a loaded machine makes slow whatever the network does.
   */
  startupAllowanceMs?: number;
  run(ctx: CheckContext): Promise<Outcome<D>>;
}

export function defineCheck<K extends CheckId>(check: Check<FactsById[K]> & { id: K }): Check<FactsById[K]> {
  return check;
}
