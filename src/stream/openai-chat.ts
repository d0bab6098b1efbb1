/**
 * OpenAI chat completions, streamed (`POST /v1/chat/completions`, `"stream": true`): data-only
 * events, each a `chat.completion.chunk` with `choices[].delta`, ended by `data: [DONE]`. As
 * openai-node reads it (src/core/streaming.ts): `[DONE]` ends; an unnamed event is JSON, and one
 * with an `error` member is thrown; `event: error` is thrown too.
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

export const openAiChat: WireApi = {
  name: 'OpenAI chat completions',
  path: '/raw/openai/v1/chat/completions',
  clientPath: '/chat/completions',
  terminator: 'data: [DONE]',
  request: (model) => ({
    model,
    messages: [{ role: 'user', content: COUNTING_PROMPT }],
    max_completion_tokens: STREAM_MAX_TOKENS,
    stream: true,
  }),
  meaning: chatChunkMeaning,
};

export function chatChunkMeaning(event: SseEvent): EventMeaning {
  if (event.data.startsWith('[DONE]')) return { kind: 'end' };
  const parsed = parseJsonData(event.data);
  if (event.type === 'error') {
    return { kind: 'error', ...errorOf(parsed.ok ? parsed.value : event.data) };
  }
  if (!parsed.ok) return { kind: 'malformed', reason: parsed.reason };
  const chunk = parsed.value;
  if (isObject(chunk) && chunk.error !== undefined && chunk.error !== null) {
    return { kind: 'error', ...errorOf(chunk) };
  }
  if (event.type !== null) {
    return { kind: 'malformed', reason: `an event named "${event.type}" in a chat completion stream` };
  }
  if (!isObject(chunk) || !Array.isArray(chunk.choices)) {
    return { kind: 'malformed', reason: 'an event that is not a chat.completion.chunk (no choices)' };
  }
  // The last chunk may have no choices (usage only, with stream_options.include_usage).
  if (chunk.choices.length === 0) return { kind: 'event', content: false };
  const choice = chunk.choices[0];
  if (!isObject(choice) || !isObject(choice.delta)) {
    return { kind: 'malformed', reason: 'a chunk whose choices[0] has no delta' };
  }
  const delta = choice.delta;
  const content =
    nonEmptyString(delta.content) ||
    nonEmptyString(delta.reasoning_content) ||
    nonEmptyString(delta.reasoning) ||
    nonEmptyString(delta.refusal) ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0);
  return { kind: 'event', content };
}
