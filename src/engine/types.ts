import type { DoctorConfig } from '../config.ts';
import type { Host } from '../host.ts';
import type { Net } from '../net/index.ts';

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
  /** null on pass, a stable SCREAMING_SNAKE code otherwise. */
  code: string | null;
  summary: string;
  details: string[];
  fix: Fix | null;
  data: D;
}

export interface CheckResult<D = unknown> extends Outcome<D> {
  id: string;
  title: string;
  durationMs: number;
}

export interface CheckContext {
  config: DoctorConfig;
  net: Net;
  host: Host;
  /** Aborts on the check's time bound, the run's deadline or an interrupt. */
  signal: AbortSignal;
  /** The finished result of a prerequisite the engine waited for before starting this check. */
  dependency<D = unknown>(id: string): CheckResult<D>;
  /** The result of any declared prerequisite, once it is finished: for work started before it. */
  after<D = unknown>(id: string): Promise<CheckResult<D>>;
}

export interface Check<D = unknown> {
  id: string;
  title: string;
  /** Hard prerequisites: when one fails or is skipped, this check is skipped. */
  dependsOn?: readonly string[];
  /** Soft prerequisites: waited for and readable, but their failure does not skip this check. */
  uses?: readonly string[];
  /** Prerequisites read only through ctx.after(): not waited for before the start, never a skip. */
  awaits?: readonly string[];
  /**
   * Run without waiting for the hard prerequisites (reading only the soft ones); the answer counts
   * only if they pass. For requests that are cheap to waste and slow to wait for in a row.
   */
  speculative?: boolean;
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

export function defineCheck<D>(check: Check<D>): Check<D> {
  return check;
}
