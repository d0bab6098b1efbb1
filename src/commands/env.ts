import { defineCommand } from '../cli/command.ts';

export const envCommand = defineCommand({
  names: ['env'],
  describe: 'print the lines that make this shell trust the internal CA: eval "$(eliza-doctor env)"',
  flags: ['shell'],
  async run(options, io) {
    const { installedVariables, envLines, shellFor } = await import('../fixes/env.ts');
    const variables = await installedVariables(io.host);
    if (!variables) {
      io.err('eliza-doctor env: the internal CA is not installed yet; run eliza-doctor fix first\n');
      return 1;
    }
    const syntax = options.shell === 'github' ? 'github' : shellFor(options.shell, io.host.env);
    io.out(`${envLines(variables, syntax)}\n`);
    return 0;
  },
});
