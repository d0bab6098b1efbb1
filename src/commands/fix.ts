import { defineCommand } from '../cli/command.ts';
import { FIX_FLAGS, TARGET_FLAGS, toArgs } from '../cli/flags.ts';
import { prepare } from './prepare.ts';

export const fixCommand = defineCommand({
  names: ['fix'],
  describe:
    'diagnose, then install the internal CA for Node, Python, curl and git (asks first), then check again',
  flags: [...TARGET_FLAGS, 'timeout', ...FIX_FLAGS],
  configure: (y) => y.conflicts('undo', 'system'),
  async run(options, io) {
    const { config } = prepare(options, io);
    const { runFix } = await import('../fixes/command.ts');
    const interrupt = new AbortController();
    // Held for the whole fix: a second Ctrl-C must not kill it between two writes either.
    const stopListening = io.onInterrupt(() => interrupt.abort());
    try {
      return await runFix({
        config,
        io,
        yes: options.yes ?? false,
        dryRun: options.dryRun ?? false,
        system: options.system ?? false,
        undo: options.undo ?? false,
        // The re-check runs in a child: it must look where this run looked.
        targetArgs: toArgs(options, ['baseUrl', 'resolve', 'timeout', 'caUrl', 'caFile', 'caSha256']),
        signal: interrupt.signal,
      });
    } finally {
      stopListening();
    }
  },
});
