import type { DoctorConfig } from '../config.ts';
import type { CheckResult } from '../engine/types.ts';
import { VERSION } from '../version.ts';

export interface RunSummary {
  results: CheckResult[];
  /** Checks that ran only because a selected one needs them (hidden by --only or --skip). */
  prerequisites: CheckResult[];
  startedAt: Date;
  durationMs: number;
  exitCode: number;
}

/** The contract's document, schemaVersion 1. */
export function jsonDocument(config: DoctorConfig, run: RunSummary) {
  const count = (status: string) => run.results.filter((r) => r.status === status).length;
  return {
    schemaVersion: 1,
    tool: { name: 'eliza-doctor', version: VERSION },
    target: { baseUrl: config.target.baseUrl, host: config.target.host, port: config.target.port },
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    ok: run.exitCode === 0,
    summary: { pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip') },
    // Named only when they fail: the run fails with them, and says why.
    prerequisites: run.prerequisites
      .filter((r) => r.status === 'fail')
      .map((r) => ({ id: r.id, status: r.status, code: r.code, summary: r.summary })),
    checks: run.results.map((r) => ({
      id: r.id,
      title: r.title,
      status: r.status,
      code: r.code,
      summary: r.summary,
      details: r.details,
      durationMs: r.durationMs,
      fix: r.fix,
      data: r.data,
    })),
  };
}
