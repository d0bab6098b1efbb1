/**
 * What one event of a streamed answer means to the SDK that reads it. One module per wire API
 * (openai-chat, anthropic-messages, openai-responses) turns an SSE event into this; the probe and
 * the verdict are shared.
 */
import type { SseEvent } from './sse.ts';

export type EventMeaning =
  /** A well-formed event; `content`: it carries generated text (or reasoning, or a tool call). */
  | { kind: 'event'; content: boolean }
  /** A keep-alive the SDK skips (Anthropic's `event: ping`). */
  | { kind: 'ping' }
  /** The terminator: after it the SDK stops, and a stream cut before it is an incomplete answer. */
  | { kind: 'end' }
  /** An error the server sent inside the stream: the SDK throws it as an APIError. */
  | { kind: 'error'; type: string | null; message: string | null }
  /** The SDK would throw a parse error, or get an object it cannot use. */
  | { kind: 'malformed'; reason: string };

export interface WireApi {
  /** For messages: "OpenAI chat completions". */
  name: string;
  /** Under the gateway's root. */
  path: string;
  /** What a client appends to its configured base URL (an Eliza base URL ends with the route). */
  clientPath: string;
  /** How the stream ends properly, for messages: "data: [DONE]". */
  terminator: string;
  /** The streaming request: small, and long enough in events to see how they travel. */
  request(model: string): Record<string, unknown>;
  meaning(event: SseEvent): EventMeaning;
}

/** JSON.parse, or the reason it failed (as the SDKs would throw it). */
export function parseJsonData(data: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(data) };
  } catch {
    return { ok: false, reason: `an event's data is not JSON: ${preview(data)}` };
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error object's type and message, from the shapes OpenAI and Anthropic use. */
export function errorOf(value: unknown): { type: string | null; message: string | null } {
  const error = isObject(value) && isObject(value.error) ? value.error : value;
  if (!isObject(error)) return { type: null, message: typeof error === 'string' ? error : null };
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return { type: text(error.type) ?? text(error.code), message: text(error.message) };
}

export function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** The start of an event's data for a message; short, as events may carry anything. */
export function preview(data: string): string {
  const flat = data.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat);
}

/** The prompt every wire API sends: many small events over a moment, for a few tokens. */
export const COUNTING_PROMPT = 'Count from 1 to 20, one number per line, nothing else.';
export const STREAM_MAX_TOKENS = 256;
