import { statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import yargs, { type Argv } from 'yargs';
import { buildConfig, ConfigError, type DoctorConfig, describeFsError, type RawOptions } from './config.ts';
import { checksIn, diagnose, exitCodeFor, registry, selectChecks } from './doctor.ts';
import type { CheckResult } from './engine/types.ts';
import { type Host, realHost } from './host.ts';
import { jsonDocument, type RunSummary } from './report/json.ts';
import { Redactor } from './secret.ts';
import { VERSION } from './version.ts';

const redactor = new Redactor();

/** The last line of defence for the token: everything printed, by us or a library, passes here. */
function installRedaction(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === 'string'
          ? redactor.redact(chunk)
          : Buffer.isBuffer(chunk)
            ? Buffer.from(redactor.redact(chunk.toString('utf8')))
            : chunk,
        ...rest,
      )) as typeof stream.write;
  }
}

interface FixArgs {
  yes?: boolean;
  dryRun?: boolean;
  system?: boolean;
  undo?: boolean;
}

interface CheckArgs {
  baseUrl?: string;
  token?: string;
  tokenFile?: string;
  pool?: string;
  model?: string;
  resolve?: string[];
  timeout?: string;
  caUrl?: string;
  caFile?: string;
  caSha256?: string[];
  only?: string;
  skip?: string;
  json?: boolean;
  strict?: boolean;
  offline?: boolean;
  junit?: string;
  report?: string;
}

const SINGLE = [
  'base-url',
  'token',
  'token-file',
  'pool',
  'model',
  'timeout',
  'ca-url',
  'ca-file',
  'only',
  'skip',
  'junit',
  'report',
] as const;

function checkOptions<T>(y: Argv<T>) {
  return runOptions(y)
    .option('base-url', {
      type: 'string',
      describe: 'gateway root [default: $ELIZA_BASE_URL or https://api.eliza.yandex.net]',
    })
    .option('token', {
      type: 'string',
      describe: 'OAuth token [default: $ELIZA_TOKEN, $SOY_TOKEN, $ELIZA_OAUTH_TOKEN]',
    })
    .option('token-file', { type: 'string', describe: 'read the token from this file' })
    .option('pool', {
      type: 'string',
      describe: 'team pool, sent as Ya-Pool [default: $ELIZA_POOL or $YA_POOL]',
    })
    .option('model', { type: 'string', describe: 'model for the round trip [default: gpt-5-mini]' })
    .option('resolve', {
      type: 'string',
      array: true,
      describe: 'HOST:PORT:ADDR, connect there instead (repeatable)',
    })
    .option('ca-url', { type: 'string', describe: 'where to fetch the internal CA bundle' })
    .option('ca-file', { type: 'string', describe: 'use this PEM bundle as the internal CA' })
    .option('ca-sha256', {
      type: 'string',
      array: true,
      describe: 'SHA-256 of a trusted internal root (repeatable)',
    })
    .option('offline', {
      type: 'boolean',
      describe: 'run only what needs no network; say the rest was not checked',
    });
}

/** What check and demo share: which checks, how long, and how the result is given. */
function runOptions<T>(y: Argv<T>) {
  return y
    .option('timeout', { type: 'string', describe: 'bound on each network operation, ms [default: 5000]' })
    .option('only', { type: 'string', describe: 'comma-separated check ids to report' })
    .option('skip', { type: 'string', describe: 'comma-separated check ids to leave out' })
    .option('json', { type: 'boolean', describe: 'print one JSON document on stdout' })
    .option('strict', { type: 'boolean', describe: 'warnings fail the run' });
}

function reportOptions<T>(y: Argv<T>) {
  return y
    .option('junit', { type: 'string', describe: 'also write JUnit XML here (one test case per check)' })
    .option('report', { type: 'string', describe: 'also write a Markdown report for a support ticket here' });
}

function idList(flag: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new ConfigError(`--${flag} needs at least one check id (see eliza-doctor list)`);
  return ids;
}

function rejectRepeats(argv: Record<string, unknown>): void {
  for (const flag of SINGLE) {
    if (Array.isArray(argv[flag])) throw new ConfigError(`--${flag} is given more than once`);
  }
  for (const flag of ['json', 'strict', 'offline'] as const) {
    if (Array.isArray(argv[flag])) throw new ConfigError(`--${flag} is given more than once`);
  }
}

function prepare(argv: CheckArgs & Record<string, unknown>) {
  rejectRepeats(argv);
  const raw: RawOptions = {
    baseUrl: argv.baseUrl,
    token: argv.token,
    tokenFile: argv.tokenFile,
    pool: argv.pool,
    model: argv.model,
    resolve: argv.resolve,
    timeout: argv.timeout,
    caUrl: argv.caUrl,
    caFile: argv.caFile,
    caSha256: argv.caSha256,
    json: argv.json,
    strict: argv.strict,
    offline: argv.offline,
  };
  redactor.add(argv.token);
  const config = buildConfig(raw, process.env);
  for (const candidate of config.tokenCandidates) redactor.add(candidate.value);
  redactor.add(config.token);
  const only = idList('only', argv.only);
  const skip = idList('skip', argv.skip);
  const { selected, unknown } = selectChecks(only, skip);
  if (unknown.length) {
    throw new ConfigError(
      `unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see eliza-doctor list)`,
    );
  }
  if (selected.size === 0) throw new ConfigError('--only and --skip leave no check to run');
  return { config, selected, partial: only.length > 0 || skip.length > 0 };
}

async function runCheck(argv: CheckArgs & Record<string, unknown>): Promise<number> {
  const { config, selected, partial } = prepare(argv);
  const outputs = outputPaths(argv);
  const host = realHost();
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    let summary: RunSummary;
    if (config.json) {
      const run = await diagnose({ config, host, selected, signal: interrupt.signal });
      summary = { ...run, exitCode: exitCodeFor(run.results, config.strict) };
      process.stdout.write(`${JSON.stringify(jsonDocument(config, summary), null, 2)}\n`);
    } else {
      summary = await runWithView(config, host, selected, partial, interrupt.signal);
    }
    return await writeOutputs(config, host, summary, outputs);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function runWithView(
  config: DoctorConfig,
  host: Host,
  selected: Set<string>,
  partial: boolean,
  signal: AbortSignal,
) {
  const { startLiveView } = await import('./report/live.ts');
  const { summaryText } = await import('./report/text.ts');
  const fancy = Boolean(process.stdout.isTTY) && !process.env.CI;
  const view = await startLiveView(checksIn(selected), fancy);
  const run = await diagnose({
    config,
    host,
    selected,
    signal,
    onFinish: (result: CheckResult) => view.finished(result),
  });
  await view.done();
  const summary: RunSummary = { ...run, exitCode: exitCodeFor(run.results, config.strict) };
  process.stdout.write(`${summaryText(summary, config.strict, partial)}\n`);
  return summary;
}

interface OutputPaths {
  junit: string | null;
  report: string | null;
}

/** Checked before the run, so that a typo in a path costs seconds, not a whole diagnosis. */
function outputPaths(argv: { junit?: string; report?: string }): OutputPaths {
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
  return { junit: check('junit', argv.junit), report: check('report', argv.report) };
}

/** Files and CI extras after the run; every byte passes the redactor, like everything printed. */
async function writeOutputs(
  config: DoctorConfig,
  host: Host,
  summary: RunSummary,
  outputs: OutputPaths,
): Promise<number> {
  const { writeAtomic } = await import('./atomic.ts');
  const write = async (flag: string, file: string, text: string) => {
    try {
      await writeAtomic(file, Buffer.from(redactor.redact(text)), null);
    } catch (error) {
      process.stderr.write(`eliza-doctor: could not write --${flag} ${file}: ${describeFsError(error)}\n`);
      return false;
    }
    return true;
  };
  let ok = true;
  if (outputs.junit) {
    const { junitXml } = await import('./report/junit.ts');
    ok = (await write('junit', outputs.junit, junitXml(summary, config.strict))) && ok;
  }
  if (outputs.report) {
    const { markdownReport } = await import('./report/markdown.ts');
    ok = (await write('report', outputs.report, markdownReport(config, host, summary))) && ok;
  }
  if (host.env.GITHUB_ACTIONS === 'true') {
    const { annotations } = await import('./report/github.ts');
    // stderr: stdout may be the JSON document; the runner reads workflow commands from both.
    process.stderr.write(annotations(summary, config.strict));
    const stepSummary = host.env.GITHUB_STEP_SUMMARY;
    if (stepSummary) {
      const { jobSummary } = await import('./report/markdown.ts');
      await appendFile(stepSummary, redactor.redact(jobSummary(summary, config.strict))).catch(() => {
        process.stderr.write(`eliza-doctor: could not append to GITHUB_STEP_SUMMARY (${stepSummary})\n`);
      });
    }
  }
  return ok ? summary.exitCode : Math.max(summary.exitCode, 2);
}

/** The flags that say where the gateway and the CA are, for a re-check in a child process. */
function targetArgs(argv: CheckArgs): string[] {
  const args: string[] = [];
  const add = (flag: string, value: string | string[] | undefined) => {
    for (const v of value === undefined ? [] : Array.isArray(value) ? value : [value]) args.push(flag, v);
  };
  add('--base-url', argv.baseUrl);
  add('--resolve', argv.resolve);
  add('--timeout', argv.timeout);
  add('--ca-url', argv.caUrl);
  add('--ca-file', argv.caFile);
  add('--ca-sha256', argv.caSha256);
  return args;
}

async function runFixCommand(argv: CheckArgs & FixArgs & Record<string, unknown>): Promise<number> {
  const { config } = prepare(argv);
  const { runFix } = await import('./fixes/command.ts');
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  // on, not once: a second Ctrl-C must not kill a fix between two writes either.
  process.on('SIGINT', onSigint);
  try {
    return await runFix({
      config,
      host: realHost(),
      yes: argv.yes ?? false,
      dryRun: argv.dryRun ?? false,
      system: argv.system ?? false,
      undo: argv.undo ?? false,
      targetArgs: targetArgs(argv),
      signal: interrupt.signal,
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function runEnv(argv: { shell?: string }): Promise<number> {
  const { installedVariables, envLines, shellFor } = await import('./fixes/env.ts');
  const host = realHost();
  const variables = await installedVariables(host);
  if (!variables) {
    process.stderr.write(
      'eliza-doctor env: the internal CA is not installed yet; run eliza-doctor fix first\n',
    );
    return 1;
  }
  process.stdout.write(`${envLines(variables, shellFor(argv.shell, host.env))}\n`);
  return 0;
}

async function runDemo(argv: CheckArgs & { scenario?: string } & Record<string, unknown>): Promise<number> {
  const { runDemoScenario } = await import('./sim/demo.ts');
  const passThrough: string[] = [];
  if (argv.json) passThrough.push('--json');
  if (argv.strict) passThrough.push('--strict');
  if (argv.only) passThrough.push('--only', argv.only);
  if (argv.skip) passThrough.push('--skip', argv.skip);
  if (argv.timeout) passThrough.push('--timeout', argv.timeout);
  rejectRepeats(argv);
  // yargs has checked the name against the scenarios (choices), so it is there.
  const { scenarioByName } = await import('./sim/scenarios.ts');
  return runDemoScenario(scenarioByName(argv.scenario ?? 'healthy')!, passThrough);
}

export async function main(args: string[]): Promise<number> {
  let exitCode = 0;
  const { SCENARIOS } = await import('./sim/scenarios.ts');
  const parser = yargs(args)
    .scriptName('eliza-doctor')
    .usage(
      '$0 [command] [options]\n\nDiagnoses access to Eliza, the internal LLM API gateway, and says how to fix what is wrong.',
    )
    .command(
      ['check', '$0'],
      'run the diagnosis and report',
      (y) => reportOptions(checkOptions(y)),
      async (argv) => {
        exitCode = await runCheck(argv as CheckArgs & Record<string, unknown>);
      },
    )
    .command(
      'fix',
      'diagnose, then install the internal CA for Node, Python, curl and git (asks first), then check again',
      (y) =>
        checkOptions(y)
          .option('yes', { type: 'boolean', alias: 'y', describe: 'apply without asking' })
          .option('dry-run', { type: 'boolean', describe: 'show every change as a diff and change nothing' })
          .option('system', {
            type: 'boolean',
            describe: 'add the CA to the OS store instead of your HOME (needs root)',
          })
          .option('undo', { type: 'boolean', describe: 'remove what fix added and restore the files' })
          .conflicts('undo', 'system'),
      async (argv) => {
        exitCode = await runFixCommand(argv as CheckArgs & FixArgs & Record<string, unknown>);
      },
    )
    .command(
      'env',
      'print the lines that make this shell trust the internal CA: eval "$(eliza-doctor env)"',
      (y) =>
        y.option('shell', {
          type: 'string',
          choices: ['bash', 'zsh', 'fish'],
          describe: 'syntax [default: from $SHELL]',
        }),
      async (argv) => {
        exitCode = await runEnv(argv as { shell?: string });
      },
    )
    .command(
      'list',
      'print every check: <id><TAB><title> (--long adds whether it needs the network)',
      (y) => y.option('long', { type: 'boolean', describe: 'a third column: network or offline' }),
      (argv) => {
        for (const check of registry) {
          const where =
            check.network && !check.worksOffline
              ? 'network'
              : check.network
                ? 'network (local part offline)'
                : 'offline';
          process.stdout.write(`${check.id}\t${check.title}${argv.long ? `\t${where}` : ''}\n`);
        }
      },
    )
    .completion(
      'completion',
      'print a completion script for bash or zsh: eliza-doctor completion >> ~/.bashrc',
    )
    .command(
      'demo',
      'run the diagnosis against a built-in gateway on loopback (no network needed)',
      (y) =>
        runOptions(y)
          .option('scenario', {
            type: 'string',
            choices: SCENARIOS.map((s) => s.name),
            default: 'healthy',
            describe: 'what the loopback gateway stages',
          })
          .epilogue(
            `Scenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(18)} ${s.description}`).join('\n')}`,
          ),
      async (argv) => {
        exitCode = await runDemo(argv as CheckArgs & { scenario?: string } & Record<string, unknown>);
      },
    )
    .example('$0', 'diagnose with the token from $ELIZA_TOKEN / $SOY_TOKEN')
    .example('$0 --json --strict', 'a CI preflight: one JSON document, warnings fail')
    .example('$0 --only tls,trust-node', 'just the certificate checks')
    .example('$0 fix --dry-run', 'see what fixing the internal CA would change, as a diff')
    .example('$0 fix --yes', 'install the internal CA for Node, Python, curl and git, then prove it')
    .example('eval "$($0 env)"', 'load the fixed settings into the current shell')
    .example(
      '$0 --json --junit report.xml --report eliza.md',
      'CI: JSON on stdout, JUnit and a Markdown report beside it',
    )
    .example('$0 --report eliza.md', 'a report to paste into a support ticket (secrets hidden)')
    .example('$0 --offline', 'only what needs no network: environment, CA files, insecure settings')
    .example('$0 --resolve api.eliza.yandex.net:443:10.0.0.5', 'test one gateway address, as curl --resolve')
    .example('$0 demo --scenario untrusted-ca', 'see what a missing internal CA looks like')
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      throw error instanceof ConfigError || !error ? new ConfigError(message || String(error)) : error;
    });
  await parser.parseAsync();
  return exitCode;
}

/** Runs the whole CLI; the exit code goes to process.exitCode (the only place that sets it). */
export function run(args: string[]): Promise<void> {
  installRedaction();
  return main(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        const oneLine = error.message.replace(/\s*\n\s*/g, ' ');
        process.stderr.write(`eliza-doctor: ${oneLine}\nRun eliza-doctor --help for usage.\n`);
        process.exitCode = 2;
        return;
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(
        `eliza-doctor: internal error: ${message}\nThis is a bug in eliza-doctor ${VERSION}; please report it to its maintainers with this message.\n`,
      );
      if (process.env.ELIZA_DOCTOR_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      process.exitCode = 3;
    },
  );
}
