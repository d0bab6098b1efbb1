/**
 * Anthropic messages, streamed (`POST /v1/messages`, `"stream": true`): named events
 * (`message_start`, `content_block_start`, `content_block_delta`, `content_block_stop`,
 * `message_delta`, `message_stop`), `ping` keep-alives and `event: error`. As
 * anthropic-sdk-typescript reads it (src/core/streaming.ts): the named events are JSON, `ping` is
 * skipped, `error` is thrown, others are ignored; `message_stop` is the message's end.
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

const MESSAGE_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
]);

export const anthropicMessages: WireApi = {
  name: 'Anthropic messages',
  path: '/raw/anthropic/v1/messages',
  clientPath: '/v1/messages',
  terminator: 'event: message_stop',
  request: (model) => ({
    model,
    messages: [{ role: 'user', content: COUNTING_PROMPT }],
    max_tokens: STREAM_MAX_TOKENS,
    stream: true,
  }),
  meaning: messageEventMeaning,
};

export function messageEventMeaning(event: SseEvent): EventMeaning {
  if (event.type === 'ping') return { kind: 'ping' };
  if (event.type === 'error') {
    const parsed = parseJsonData(event.data);
    return { kind: 'error', ...errorOf(parsed.ok ? parsed.value : event.data) };
  }
  // The SDK passes over what it does not know (a newer event, an unnamed one): so does the doctor.
  if (event.type === null || !MESSAGE_EVENTS.has(event.type)) return { kind: 'event', content: false };
  const parsed = parseJsonData(event.data);
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const value = parsed.value;
  if (!isObject(value) || value.type !== event.type) {
    return { kind: 'malformed', reason: `a "${event.type}" event whose data has another type` };
  }
  if (event.type === 'message_stop') return { kind: 'end' };
  if (event.type !== 'content_block_delta') return { kind: 'event', content: false };
  const delta = isObject(value.delta) ? value.delta : null;
  if (!delta) return { kind: 'malformed', reason: 'a content_block_delta without a delta' };
  const content =
    nonEmptyString(delta.text) || nonEmptyString(delta.thinking) || nonEmptyString(delta.partial_json);
  return { kind: 'event', content };
}
