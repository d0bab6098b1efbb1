/** C0 controls but tab and line feed, and DEL; C1 controls apart (they have no picture). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters made visible
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const C1 = /[\u0080-\u009f]/g;

/**
 * Foreign text (a gateway's error body, a certificate's name, a program's stderr, a value from a
 * file) made safe to show: control characters, which could clear a terminal or fake colours,
 * become visible pictures (ESC as ␛) instead of acting.
 */
export function displayable(text: string): string {
  return text
    .replace(CONTROL, (c) => (c === '\u007f' ? '␡' : String.fromCharCode(0x2400 + c.charCodeAt(0))))
    .replace(C1, '�')
    .replace(/[\t\n]/g, ' ');
}

/** Text for Markdown: HTML and Markdown's own syntax escaped, so that a report shows, never renders. */
export function markdownText(text: string): string {
  return displayable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|!~])/g, '\\$1');
}
