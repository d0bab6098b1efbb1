/**
 * The README's code table, made from the catalogue (src/codes.ts): `npm run docs` writes it
 * between the markers; a test fails when the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODES } from '../src/codes.ts';

export const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const BEGIN = '<!-- codes: generated from src/codes.ts by `npm run docs` -->';
const END = '<!-- codes: end -->';

export function codesTable(): string {
  const rows = Object.entries(CODES).map(
    ([code, info]) => `| \`${code}\` | ${info.status.join('/')} | ${info.meaning} |`,
  );
  return [BEGIN, '| code | status | meaning and fix |', '|---|---|---|', ...rows, END].join('\n');
}

/** The README with its code table replaced by the catalogue's. */
export function withCodesTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
  return readme.slice(0, start) + codesTable() + readme.slice(end + END.length);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withCodesTable(readFileSync(README, 'utf8')));
}
