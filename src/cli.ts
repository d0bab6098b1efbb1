import { VERSION } from './version.ts';

/**
 * The entry point stays tiny: `--version` and `list` answer without loading yargs and the
 * checks' machinery, which is most of the start-up time (scripts call them often).
 */
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${VERSION}\n`);
} else if (args[0] === 'list' && args.slice(1).every((a) => a === '--long')) {
  const { printList } = await import('./list.ts');
  printList(args.includes('--long'));
} else {
  const { run } = await import('./app.ts');
  await run(args);
}
