/**
 * The one way the doctor quotes for a shell: every value it writes into a startup file or prints
 * as a command passes here. Control characters are refused, not escaped: no shell file or pasted
 * command should carry them, and a newline in a path is an attack more often than a name.
 */
export type ShellSyntax = 'posix' | 'fish';

export class UnquotableError extends Error {
  override name = 'UnquotableError';
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export function hasControlCharacters(text: string): boolean {
  return CONTROL.test(text);
}

/** One word for the shell: as it is when that is safe, else in single quotes. */
export function quote(value: string, syntax: ShellSyntax = 'posix'): string {
  if (CONTROL.test(value)) throw new UnquotableError('a value holds a control character (a line break?)');
  if (value !== '' && SAFE.test(value)) return value;
  if (syntax === 'fish') return `'${value.replace(/[\\']/g, '\\$&')}'`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, each quoted. */
export function shellCommand(words: string[], syntax: ShellSyntax = 'posix'): string {
  return words.map((word) => quote(word, syntax)).join(' ');
}

/**
 * A path for a startup file: under HOME as "$HOME/…" (readable, and right for whoever's HOME it
 * is) when the rest needs no quoting inside double quotes; otherwise the whole path, quoted.
 */
export function quotePath(file: string, home: string, syntax: ShellSyntax = 'posix'): string {
  if (CONTROL.test(file)) throw new UnquotableError('a path holds a control character (a line break?)');
  const rest = file.startsWith(`${home}/`) ? file.slice(home.length + 1) : null;
  if (rest !== null && /^[A-Za-z0-9_@%+=:,./ -]+$/.test(rest)) return `"$HOME/${rest}"`;
  return quote(file, syntax);
}

/**
 * Deletes lines of a file in place, keeping the original as FILE.bak: `-i.bak` (no space) is the
 * one spelling GNU and BSD (macOS) sed both read. All lines of a file go in one command, since
 * deleting one renumbers those after it.
 */
export function deleteLinesCommand(file: string, lines: number[]): string {
  const script = [...new Set(lines)]
    .sort((a, b) => a - b)
    .map((n) => `${n}d`)
    .join(';');
  return shellCommand(['sed', '-i.bak', script, file]);
}
