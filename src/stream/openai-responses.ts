/**
 * OpenAI responses, streamed (`POST /v1/responses`, `"stream": true`): named events whose data
 * repeats the name in `type` (`response.created`, `response.output_text.delta`, ...), ended by
 * `response.completed` (or `response.incomplete`, cut short by max_output_tokens); a failure is
 * `response.failed` or `event: error`. openai-node parses `response.*` events as JSON and throws
 * those with an `error` member and `event: error`.
 */
import type { SseEvent } from './sse.ts';
import {
  COUNTING_PROMPT,
  type EventMeaning,
  errorOf,
  isObject,
  nonEmptyString,
  parseJsonData,
  STREAM_MAX_TOKENS,
  type WireApi,
} from './wire.ts';

export const openAiResponses: WireApi = {
  name: 'OpenAI responses',
  path: '/raw/openai/v1/responses',
  clientPath: '/responses',
  terminator: 'event: response.completed',
  request: (model) => ({
    model,
    input: COUNTING_PROMPT,
    max_output_tokens: STREAM_MAX_TOKENS,
    stream: true,
  }),
  meaning: responseEventMeaning,
};

export function responseEventMeaning(event: SseEvent): EventMeaning {
  const parsed = parseJsonData(event.data);
  if (event.type === 'error') return { kind: 'error', ...errorOf(parsed.ok ? parsed.value : event.data) };
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const value = parsed.value;
  if (!isObject(value)) return { kind: 'malformed', reason: 'an event whose data is not an object' };
  const type = event.type ?? (typeof value.type === 'string' ? value.type : null);
  if (type === null) return { kind: 'malformed', reason: 'an event without a type' };
  if (type === 'error') return { kind: 'error', ...errorOf(value) };
  if (type === 'response.failed') {
    const response = isObject(value.response) ? value.response : {};
    return { kind: 'error', ...errorOf(response.error ?? response) };
  }
  if (value.error !== undefined && value.error !== null) return { kind: 'error', ...errorOf(value) };
  if (type === 'response.completed' || type === 'response.incomplete') return { kind: 'end' };
  return { kind: 'event', content: type.endsWith('.delta') && nonEmptyString(value.delta) };
}
