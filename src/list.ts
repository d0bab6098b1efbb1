import { registry } from '../checks/index.ts';

export function printList(long: boolean): void {
  for (const check of registry) {
    const where =
      check.network && !check.worksOffline
        ? 'network'
        : check.network
          ? 'network (local part offline)'
          : 'offline';
    process.stdout.write(`${check.id}\t${check.title}${long ? `\t${where}` : ''}\n`);
  }
}
