import type { RunSummary } from './json.ts';

/** XML 1.0 allows no control characters but tab and line ends: they are dropped, not escaped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

const xml = (text: string) =>
  text
    .replace(XML_FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** One test case per check: failures as <failure>, skips as <skipped>, warnings as failures only under --strict. */
export function junitXml(run: RunSummary, strict: boolean): string {
  const failing = (status: string) => status === 'fail' || (strict && status === 'warn');
  const failures = run.results.filter((r) => failing(r.status)).length;
  const skipped = run.results.filter((r) => r.status === 'skip').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const head = `tests="${run.results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(run.durationMs)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="eliza-doctor" ${head}>`,
    `  <testsuite name="eliza-doctor" ${head} timestamp="${run.startedAt.toISOString()}">`,
  ];
  for (const r of run.results) {
    lines.push(
      `    <testcase classname="eliza-doctor" name="${xml(`${r.id}: ${r.title}`)}" time="${seconds(r.durationMs)}">`,
    );
    const body = xml(
      [
        r.summary,
        ...r.details.map((d) => `- ${d}`),
        ...(r.fix ? [`Fix: ${r.fix.summary}`, ...r.fix.commands.map((c) => `  $ ${c}`)] : []),
      ].join('\n'),
    );
    if (failing(r.status)) {
      lines.push(
        `      <failure type="${r.code}" message="${xml(`${r.code}: ${r.summary}`)}">${body}</failure>`,
      );
    } else if (r.status === 'skip') {
      lines.push(`      <skipped message="${xml(`${r.code}: ${r.summary}`)}"/>`);
    } else if (r.status === 'warn') {
      lines.push(`      <system-out>${xml(`warning ${r.code}: `)}${body}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
