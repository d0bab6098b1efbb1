import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds the token. Every accidental way of turning it into text (template strings, JSON,
 * util.inspect, console.log) yields a placeholder; only reveal() gives the value, for the header.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  get length(): number {
    return this.#value.length;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Below this, a secret is hidden only where it stands as a word of its own, not inside words. */
const SHORT = 6;

/**
 * The last line of defence: every byte the doctor prints or writes passes through this. A secret
 * is hidden in every form an output may give it: as is, and escaped for JSON, XML/HTML, Markdown
 * tables, GitHub workflow commands and URLs.
 */
export class Redactor {
  readonly #needles = new Set<string>();
  #patterns: RegExp[] = [];

  add(value: string | Secret | null | undefined): void {
    const text = value instanceof Secret ? value.reveal() : value;
    if (!text) return;
    const before = this.#needles.size;
    for (const candidate of new Set([text, text.trim()])) {
      if (!candidate) continue;
      for (const form of escapedForms(candidate)) this.#needles.add(form);
    }
    if (this.#needles.size !== before) this.#compile();
  }

  redact(text: string): string {
    let out = text;
    for (const pattern of this.#patterns) out = out.replace(pattern, REDACTED);
    return out;
  }

  #compile(): void {
    const needles = [...this.#needles].sort((a, b) => b.length - a.length);
    const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const long = needles.filter((n) => n.length >= SHORT).map(escapeRegExp);
    const short = needles.filter((n) => n.length < SHORT).map(escapeRegExp);
    this.#patterns = [
      ...(long.length ? [new RegExp(long.join('|'), 'g')] : []),
      // A short secret inside a longer word is most likely that word, not the secret.
      ...(short.length ? [new RegExp(`(?<![A-Za-z0-9_])(?:${short.join('|')})(?![A-Za-z0-9_])`, 'g')] : []),
    ];
  }
}

function escapedForms(value: string): string[] {
  const xml = value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
  const github = value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return [
    value,
    JSON.stringify(value).slice(1, -1),
    xml,
    value.replace(/"/g, '&quot;'),
    value.replace(/\|/g, '\\|'),
    github,
    github.replace(/:/g, '%3A').replace(/,/g, '%2C'),
    encodeURIComponent(value),
  ];
}

/** Names of URL query parameters that carry a credential. */
const SECRET_PARAMETER =
  /^(key|api[-_]?key|access[-_]?token|token|auth|password|passwd|secret|sig|signature)$/i;

/**
 * The credentials a URL carries: the user and password (of a proxy URL too, written with or
 * without a scheme, as curl accepts it) and secret-looking query values. For the redactor.
 */
export function secretsInUrl(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    // Not a URL at all: whatever sits before an @ is the likeliest credential.
    const userinfo = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^@/]+)@/i.exec(trimmed)?.[1];
    return userinfo ? [userinfo, ...userinfo.split(':')].filter(Boolean) : [];
  }
  const found: string[] = [];
  const add = (raw: string) => {
    if (!raw) return;
    found.push(raw);
    try {
      found.push(decodeURIComponent(raw));
    } catch {
      // kept raw
    }
  };
  add(url.username);
  add(url.password);
  if (url.username && url.password) add(`${url.username}:${url.password}`);
  for (const [name, value] of url.searchParams) if (SECRET_PARAMETER.test(name)) add(value);
  return found;
}

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSW(OR)?D|AUTH|CREDENTIAL|COOKIE|SESSION)/i;

/**
 * A line of a shell startup file for display, with the value of a secret-looking variable
 * (OPENAI_API_KEY=…, set -gx ANTHROPIC_AUTH_TOKEN …) masked: diff context shows the user's own lines.
 */
export function maskSecretAssignments(line: string): string {
  return line
    .replace(
      /^(\s*(?:export\s+|declare\s+-x\s+|typeset\s+-x\s+)?([A-Za-z_][A-Za-z0-9_]*)=)(.*)$/,
      (whole, head: string, name: string, value: string) =>
        SECRET_NAME.test(name) && value.trim() ? `${head}${REDACTED}` : whole,
    )
    .replace(
      /^(\s*set\s+(?:-[a-zA-Z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s+)(.+)$/,
      (whole, head: string, name: string) => (SECRET_NAME.test(name) ? `${head}${REDACTED}` : whole),
    );
}
