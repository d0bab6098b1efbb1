import type { Fix, Outcome } from './types.ts';

interface Extras<D> {
  details?: string[];
  fix?: Fix | null;
  data?: D;
}

function outcome<D>(
  status: Outcome['status'],
  code: string | null,
  summary: string,
  extras: Extras<D>,
): Outcome<D> {
  return {
    status,
    code,
    summary,
    details: extras.details ?? [],
    fix: extras.fix ?? null,
    data: (extras.data ?? {}) as D,
  };
}

export const pass = <D>(summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('pass', null, summary, extras);
export const warn = <D>(code: string, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('warn', code, summary, extras);
export const fail = <D>(code: string, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('fail', code, summary, extras);
export const skip = <D>(code: string, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('skip', code, summary, extras);

/** Failed or skipped: what a dependent check cannot build on. */
export function isBroken(o: Pick<Outcome, 'status'>): boolean {
  return o.status === 'fail' || o.status === 'skip';
}
