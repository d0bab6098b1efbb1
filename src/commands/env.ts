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
    io.out(`${envLines(variables, shellFor(options.shell, io.host.env))}\n`);
    return 0;
  },
});
