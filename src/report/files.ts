import { statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../atomic.ts';
import type { Io } from '../cli/io.ts';
import { ConfigError, type DoctorConfig, describeFsError } from '../config.ts';
import type { RunSummary } from './json.ts';

export interface OutputPaths {
  junit: string | null;
  report: string | null;
}

/** Checked before the run, so that a typo in a path costs seconds, not a whole diagnosis. */
export function outputPaths(options: { junit?: string; report?: string }): OutputPaths {
  const check = (flag: string, file: string | undefined) => {
    if (file === undefined) return null;
    if (file.trim() === '') throw new ConfigError(`--${flag} is empty`);
    const dir = path.dirname(path.resolve(file));
    try {
      if (!statSync(dir).isDirectory()) throw new ConfigError(`--${flag} ${file}: ${dir} is not a directory`);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`--${flag} ${file}: the folder ${dir} does not exist`);
    }
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory())
      throw new ConfigError(`--${flag} ${file}: is a directory`);
    return file;
  };
  return { junit: check('junit', options.junit), report: check('report', options.report) };
}

/**
 * Files and CI extras after the run; every byte passes the redactor, like everything printed.
 * Resolves to the exit code: the run's, or 2 when a file could not be written.
 */
export async function writeOutputs(
  config: DoctorConfig,
  io: Io,
  summary: RunSummary,
  outputs: OutputPaths,
): Promise<number> {
  const write = async (flag: string, file: string, text: string) => {
    try {
      await writeAtomic(file, Buffer.from(io.redactor.redact(text)), null);
    } catch (error) {
      io.err(`eliza-doctor: could not write --${flag} ${file}: ${describeFsError(error)}\n`);
      return false;
    }
    return true;
  };
  let ok = true;
  if (outputs.junit) {
    const { junitXml } = await import('./junit.ts');
    ok = (await write('junit', outputs.junit, junitXml(summary, config.strict))) && ok;
  }
  if (outputs.report) {
    const { markdownReport } = await import('./markdown.ts');
    ok = (await write('report', outputs.report, markdownReport(config, io.host, summary))) && ok;
  }
  if (io.host.env.GITHUB_ACTIONS === 'true') {
    const { annotations } = await import('./github.ts');
    // stderr: stdout may be the JSON document; the runner reads workflow commands from both.
    io.err(annotations(summary, config.strict));
    const stepSummary = io.host.env.GITHUB_STEP_SUMMARY;
    if (stepSummary) {
      const { jobSummary } = await import('./markdown.ts');
      await appendFile(stepSummary, io.redactor.redact(jobSummary(summary, config.strict))).catch(() => {
        io.err(`eliza-doctor: could not append to GITHUB_STEP_SUMMARY (${stepSummary})\n`);
      });
    }
  }
  return ok ? summary.exitCode : Math.max(summary.exitCode, 2);
}
