/**
 * A unified diff with one hunk: the doctor's edits are one block put in, replaced or taken out,
 * so the common head and tail of the two texts frame the whole change.
 */
export function unifiedDiff(label: string, before: string | null, after: string, context = 3): string {
  const a = before === null ? [] : splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  if (head === a.length && head === b.length) return '';
  const start = Math.max(0, head - context);
  const endA = Math.min(a.length, a.length - tail + context);
  const endB = Math.min(b.length, b.length - tail + context);
  const lines = [
    `--- ${before === null ? '/dev/null' : `a${label}`}`,
    `+++ b${label}`,
    `@@ -${range(start, endA - start)} +${range(start, endB - start)} @@`,
    ...a.slice(start, head).map((l) => ` ${l}`),
    ...a.slice(head, a.length - tail).map((l) => `-${l}`),
    ...b.slice(head, b.length - tail).map((l) => `+${l}`),
    ...a.slice(a.length - tail, endA).map((l) => ` ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, '␍'));
}

function range(start: number, count: number): string {
  return count === 0 ? `${start},0` : `${start + 1},${count}`;
}
