import { defineCommand } from '../cli/command.ts';
import { registry } from '../doctor.ts';

export const listCommand = defineCommand({
  names: ['list'],
  describe: 'print every check: <id><TAB><title> (--long adds whether it needs the network)',
  flags: ['long'],
  async run(options, io) {
    for (const check of registry) {
      const where =
        check.network && !check.worksOffline
          ? 'network'
          : check.network
            ? 'network (local part offline)'
            : 'offline';
      io.out(`${check.id}\t${check.title}${options.long ? `\t${where}` : ''}\n`);
    }
    return 0;
  },
});
