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

/**
 * The last line of defence: every byte the doctor prints or writes passes through this.
 * Values shorter than 6 characters are not worth masking (they would mangle ordinary words).
 */
export class Redactor {
  readonly #needles: string[] = [];
  add(value: string | Secret | null | undefined): void {
    const text = value instanceof Secret ? value.reveal() : value;
    if (!text) return;
    for (const candidate of new Set([text, text.trim()])) {
      if (candidate.length >= 6 && !this.#needles.includes(candidate)) this.#needles.push(candidate);
    }
    this.#needles.sort((a, b) => b.length - a.length);
  }
  redact(text: string): string {
    let out = text;
    for (const needle of this.#needles) out = out.split(needle).join(REDACTED);
    return out;
  }
}
