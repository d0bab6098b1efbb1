import type { Code } from '../codes.ts';
import type { Fix, Outcome } from './types.ts';

interface Extras<D> {
  details?: string[];
  fix?: Fix | null;
  data?: D;
}

function outcome<D>(
  status: Outcome['status'],
  code: Code | null,
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
export const warn = <D>(code: Code, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('warn', code, summary, extras);
export const fail = <D>(code: Code, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('fail', code, summary, extras);
export const skip = <D>(code: Code, summary: string, extras: Extras<D> = {}): Outcome<D> =>
  outcome('skip', code, summary, extras);

/** A fix that only a person can apply: the commands to paste, if any. */
export function manualFix(summary: string, commands: string[] = []): Fix {
  return { summary, commands, automated: false };
}

/** Passed or warned: a result a dependent check can build on. */
export function usable(o: Pick<Outcome, 'status'>): boolean {
  return o.status === 'pass' || o.status === 'warn';
}

const standalone = new WeakSet<Outcome>();

/**
 * Marks an answer that a check started early gave before it touched what its needs stand for
 * (a missing token is a cause of its own, whatever the network does): kept when a need breaks.
 */
export function regardlessOfNeeds<D>(o: Outcome<D>): Outcome<D> {
  standalone.add(o as Outcome);
  return o;
}

export function standsAlone(o: Outcome): boolean {
  return standalone.has(o);
}
