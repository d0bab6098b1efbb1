import { defineCommand } from '../cli/command.ts';
import { REPORT_FLAGS, RUN_FLAGS, TARGET_FLAGS } from '../cli/flags.ts';
import type { Io } from '../cli/io.ts';
import { checksIn, diagnose, exitCodeFor } from '../doctor.ts';
import { outputPaths, writeOutputs } from '../report/files.ts';
import { jsonDocument, type RunSummary } from '../report/json.ts';
import { type Prepared, prepare } from './prepare.ts';

export const checkCommand = defineCommand({
  names: ['check', '$0'],
  describe: 'run the diagnosis and report',
  flags: [...TARGET_FLAGS, ...RUN_FLAGS, ...REPORT_FLAGS],
  async run(options, io) {
    const prepared = prepare(options, io);
    const outputs = outputPaths(options);
    const interrupt = new AbortController();
    const stopListening = io.onInterrupt(() => interrupt.abort());
    try {
      const summary = prepared.config.json
        ? await runQuietly(prepared, io, interrupt.signal)
        : await runWithView(prepared, io, interrupt.signal, options.verbose ?? false);
      return await writeOutputs(prepared.config, io, summary, outputs);
    } finally {
      stopListening();
    }
  },
});

async function runQuietly({ config, selected }: Prepared, io: Io, signal: AbortSignal): Promise<RunSummary> {
  const run = await diagnose({ config, host: io.host, selected, redactor: io.redactor, signal });
  const summary = { ...run, exitCode: exitCodeFor(run, config.strict) };
  io.out(`${JSON.stringify(jsonDocument(config, summary), null, 2)}\n`);
  return summary;
}

async function runWithView(
  { config, selected, partial }: Prepared,
  io: Io,
  signal: AbortSignal,
  verbose: boolean,
) {
  const { startLiveView } = await import('../report/live.ts');
  const { summaryText, textStyle } = await import('../report/text.ts');
  const fancy = io.stdoutIsTTY && !io.host.env.CI;
  const style = textStyle({ env: io.host.env, isTTY: io.stdoutIsTTY, columns: io.columns, verbose });
  const view = await startLiveView(checksIn(selected), fancy, io, style);
  const run = await diagnose({
    config,
    host: io.host,
    selected,
    redactor: io.redactor,
    signal,
    onFinish: (result) => view.finished(result),
  });
  await view.done();
  const summary: RunSummary = { ...run, exitCode: exitCodeFor(run, config.strict) };
  io.out(`${summaryText(summary, config.strict, partial, style)}\n`);
  return summary;
}
