import type { RunSummary } from './json.ts';

/** Workflow-command escaping: %, CR and LF in the message; also : and , in properties. */
const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::error`/`::warning` lines, one per non-passing check, with its fix. */
export function annotations(run: RunSummary, strict: boolean): string {
  return run.results
    .filter((r) => r.status === 'fail' || r.status === 'warn')
    .map((r) => {
      const level = r.status === 'fail' || strict ? 'error' : 'warning';
      const fix = r.fix
        ? `\nFix: ${r.fix.summary}${r.fix.commands.length ? `\n${r.fix.commands.map((c) => `  $ ${c}`).join('\n')}` : ''}`
        : '';
      return `::${level} title=${property(`eliza-doctor ${r.id}: ${r.code}`)}::${data(`${r.summary}${fix}`)}\n`;
    })
    .join('');
}
