import { PROXY_VARIABLES } from '../child-env.ts';
import {
  type FlagName,
  type Options,
  type REPORT_FLAGS,
  type RUN_FLAGS,
  type TARGET_FLAGS,
  toArgs,
} from '../cli/flags.ts';
import type { Io } from '../cli/io.ts';
import { buildConfig, ConfigError, type DoctorConfig } from '../config.ts';
import { registry, selectChecks } from '../doctor.ts';
import type { CheckId } from '../facts.ts';
import { secretsInUrl } from '../secret.ts';
import { selfWords } from '../self.ts';
import { closest } from '../similar.ts';

/** Variables holding URLs that may carry credentials (a proxy's user and password, a ?key=). */
const URL_VARIABLES = [
  ...PROXY_VARIABLES.filter((name) => !/^no_proxy$/i.test(name)),
  'ELIZA_BASE_URL',
  'OPENAI_BASE_URL',
  'OPENAI_API_BASE',
  'ANTHROPIC_BASE_URL',
];

export type TargetOptions = Options<(typeof TARGET_FLAGS)[number]>;
export type RunOptions = Options<(typeof RUN_FLAGS)[number]>;
export type ReportOptions = Options<(typeof REPORT_FLAGS)[number]>;

export interface Prepared {
  config: DoctorConfig;
  selected: Set<CheckId>;
  /** --only or --skip narrowed the run. */
  partial: boolean;
}

/** Flags and environment to a validated configuration and a selection; secrets go to the redactor first. */
export function prepare(options: TargetOptions & RunOptions, io: Io): Prepared {
  io.redactor.add(options.token);
  // Before the configuration is read: its error messages quote what they reject.
  for (const url of [options.baseUrl, options.caUrl, ...URL_VARIABLES.map((name) => io.host.env[name])]) {
    for (const secret of secretsInUrl(url ?? '')) io.redactor.add(secret);
  }
  const invocation = {
    given: io.args,
    command: selfWords(io.self, io.host.cwd),
    args: toArgs(options, [
      'baseUrl',
      'resolve',
      'caUrl',
      'caFile',
      'caSha256',
      'tokenFile',
      'pool',
      'timeout',
    ]),
  };
  const config = buildConfig(options, io.host.env, invocation);
  for (const candidate of config.tokenCandidates) io.redactor.add(candidate.value);
  io.redactor.add(config.token);
  const only = idList('only', options.only);
  const skip = idList('skip', options.skip);
  const { selected, unknown } = selectChecks(only, skip);
  if (unknown.length) {
    const ids = registry.map((c) => c.id);
    const hints = unknown.map((id) => closest(id, ids, 1)[0]).filter((id) => id !== undefined);
    const hint = hints.length ? `did you mean ${hints.join(', ')}? ` : '';
    throw new ConfigError(
      `unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (${hint}see eliza-doctor list)`,
    );
  }
  if (selected.size === 0) throw new ConfigError('--only and --skip leave no check to run');
  return { config, selected, partial: only.length > 0 || skip.length > 0 };
}

function idList(flag: FlagName, value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new ConfigError(`--${flag} needs at least one check id (see eliza-doctor list)`);
  return ids;
}
