/**
 * What a token variable's value looks like to a client that sends it as it is: the Eliza docs'
 * curl sends `Authorization: OAuth $ELIZA_TOKEN`, SDKs send `Bearer <value>`. The doctor itself
 * sends the cleaned token (config.cleanToken), so its own success says nothing about theirs.
 */
import type { Code } from '../codes.ts';

export interface ShapeFinding {
  code: Extract<Code, 'TOKEN_QUOTED' | 'TOKEN_HAS_PREFIX' | 'TOKEN_HAS_WHITESPACE'>;
  text: string;
}

export interface TokenShape {
  findings: ShapeFinding[];
  /** false when no HTTP client can put the value into a header (a line break). */
  sendable: boolean;
}

export function tokenShape(source: string, raw: string): TokenShape {
  const findings: ShapeFinding[] = [];
  const trimmed = raw.trim();
  if (/^(["']).*\1$/s.test(trimmed)) {
    findings.push({
      code: 'TOKEN_QUOTED',
      text: `${source} holds the token in quotes; clients send the quotes too`,
    });
  }
  const unquoted = trimmed.replace(/^["']/, '');
  const word = /^(OAuth|Bearer)\s/i.exec(unquoted)?.[1];
  if (word) {
    findings.push({
      code: 'TOKEN_HAS_PREFIX',
      text: `${source} starts with "${word} ": clients add that word themselves, so they send it twice`,
    });
  }
  const lineBreak = /[\r\n]/.test(raw) || raw.includes('\u0000');
  if (raw !== trimmed) {
    findings.push({
      code: 'TOKEN_HAS_WHITESPACE',
      text: lineBreak
        ? `${source} carries a line break around the token: Node, Python and SDKs refuse to send such a header`
        : `${source} carries white space around the token`,
    });
  } else if (/\s/.test(unquoted.replace(/^(OAuth|Bearer)\s+/i, ''))) {
    findings.push({ code: 'TOKEN_HAS_WHITESPACE', text: `${source} has white space inside the token` });
  }
  return { findings, sendable: !lineBreak };
}

/** `gh auth status` style: the first three characters of a long token only, never more. */
export function maskToken(token: string): string {
  return token.length >= 20 ? `${token.slice(0, 3)}****` : '****';
}
