/**
 * What the doctor knows about Eliza's answers, as pure functions: its routes, where it puts error
 * texts, what each status means, the OpenAI chat shape.
 */
import type { Code } from '../codes.ts';
import type { HttpAnswer } from '../net/index.ts';

export const RAW_OPENAI_PATH = '/raw/openai/v1';
export const RAW_ANTHROPIC_PATH = '/raw/anthropic';

/** Every problem with an answer is a failure: what differs is the code and the words. */
export interface AnswerProblem {
  code: Code;
  summary: string;
  /** The status and the gateway's own words, as "(401: \"invalid token\")", for callers' sentences. */
  reason: string;
  details: string[];
}

export type ParsedAnswer =
  /** `labelled`: the content-type says JSON (a proxy that rewrites answers often changes it). */
  { ok: true; json: unknown; labelled: boolean } | { ok: false; problem: AnswerProblem };

/** Eliza puts its error text in one of several places. */
export function errorText(body: unknown): string | null {
  if (typeof body === 'string') return body.trim() || null;
  if (!body || typeof body !== 'object') return null;
  const o = body as Record<string, unknown>;
  const candidates = [
    o.error,
    (o.error as Record<string, unknown> | undefined)?.message,
    (o.stats as Record<string, unknown> | undefined)?.message,
    o.message,
    o.detail,
  ];
  for (const c of candidates) if (typeof c === 'string' && c.trim()) return c.trim();
  return null;
}

export function looksLikeHtml(answer: HttpAnswer): boolean {
  const type = answer.headers['content-type'] ?? '';
  return (
    type.includes('text/html') ||
    /^\s*<(!doctype|html|head|body)/i.test(answer.body.subarray(0, 512).toString('latin1'))
  );
}

/** The start of a body that is not what was expected: an HTML page's title, else its first characters. */
export function bodyPreview(body: Buffer | string): string {
  const text = (typeof body === 'string' ? body : body.subarray(0, 2048).toString('utf8')).slice(0, 2048);
  const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text)?.[1];
  if (title) return `page title: "${title.trim()}"`;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat ? `starts with: ${JSON.stringify(flat.slice(0, 120))}` : 'the body is empty';
}

function parseJson(answer: HttpAnswer): { ok: true; json: unknown } | { ok: false } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function retryAfter(answer: HttpAnswer): string {
  const value = answer.headers['retry-after'];
  if (!value) return '';
  if (/^\d+$/.test(value.trim())) return ` Retry after ${value.trim()} s.`;
  const date = Date.parse(value);
  return Number.isNaN(date) ? '' : ` Retry after ${new Date(date).toISOString()}.`;
}

/**
 * The statuses every call shares. `what` names the request in messages ("GET /quota").
 * Route-specific statuses (403 on a model, 400 on a bad model id) are for the caller to look at first.
 */
export function judgeAnswer(answer: HttpAnswer, what: string): ParsedAnswer {
  const parsed = parseJson(answer);
  const message = parsed.ok ? errorText(parsed.json) : null;
  const s = answer.status;
  const reason = `(${s}${message ? `: "${truncate(message)}"` : ''})`;
  const problem = (code: Code, summary: string, details: string[] = []): ParsedAnswer => ({
    ok: false,
    problem: { code, summary, reason, details },
  });
  if (s >= 200 && s < 300) {
    if (parsed.ok) {
      const type = answer.headers['content-type'];
      return { ok: true, json: parsed.json, labelled: type === undefined || /json/i.test(type) };
    }
    const html = looksLikeHtml(answer);
    return problem(
      'GATEWAY_UNEXPECTED_RESPONSE',
      html
        ? `${what} answered ${s} with an HTML page, not JSON: a proxy or captive portal answered instead of Eliza`
        : `${what} answered ${s} with a body that is not JSON`,
      [bodyPreview(answer.body), `content-type: ${answer.headers['content-type'] ?? '(none)'}`],
    );
  }
  if (s === 401) return problem('TOKEN_INVALID', `the gateway rejected the token ${reason}`);
  if (s === 403) return problem('TOKEN_FORBIDDEN', `the token has no access ${reason}`);
  if (s === 429) {
    const quota = message !== null && /quota/i.test(message);
    const text = quota ? 'the quota is used up' : 'the gateway or the model is overloaded';
    return problem(
      quota ? 'QUOTA_EXHAUSTED' : 'GATEWAY_OVERLOADED',
      `${what}: ${text} ${reason}.${retryAfter(answer)}`,
    );
  }
  if (s === 408 || s >= 500) {
    const html = !parsed.ok && looksLikeHtml(answer) ? ' (an HTML error page: from a proxy in between?)' : '';
    return problem(
      'GATEWAY_ERROR',
      `${what} failed on the gateway's side ${reason}${html}; it is usually temporary, retry later.${retryAfter(answer)}`,
      parsed.ok ? [] : [bodyPreview(answer.body)],
    );
  }
  if (s === 404) {
    return problem(
      'GATEWAY_NOT_FOUND',
      `${what} is not there ${reason}: is the base URL the gateway's root?`,
    );
  }
  return problem(
    'GATEWAY_UNEXPECTED_STATUS',
    `${what} answered ${s}${message ? `: "${truncate(message)}"` : ''}`,
    parsed.ok ? [] : [bodyPreview(answer.body)],
  );
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

export type ChatShape =
  | { kind: 'openai'; finishReason: string | null; content: string | null; model: string | null }
  | { kind: 'wrapped' }
  | { kind: 'unknown' };

export function chatShape(json: unknown): ChatShape {
  if (!json || typeof json !== 'object') return { kind: 'unknown' };
  const o = json as Record<string, unknown>;
  if ('response' in o && ('stats' in o || 'cost' in o)) return { kind: 'wrapped' };
  const choice = Array.isArray(o.choices) ? (o.choices[0] as Record<string, unknown> | undefined) : undefined;
  const message = choice?.message as Record<string, unknown> | undefined;
  if (!message || typeof message !== 'object') return { kind: 'unknown' };
  return {
    kind: 'openai',
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    content: typeof message.content === 'string' ? message.content : null,
    model: typeof o.model === 'string' ? o.model : null,
  };
}

/** A JSON answer of an unexpected shape, shortened for a detail line. */
export function jsonPreview(json: unknown): string {
  return JSON.stringify(json).slice(0, 300);
}

/**
 * A chat route's answer that is not a success: the statuses that mean something on that route
 * (a model id the gateway does not know, a model the token may not use) before the shared ones.
 */
export function chatProblem(answer: HttpAnswer, path: string, model: string): AnswerProblem | null {
  const parsed = judgeAnswer(answer, `POST ${path}`);
  if (parsed.ok) return null;
  const p = parsed.problem;
  const body = answer.body.toString('utf8');
  const problem = (code: Code, summary: string): AnswerProblem => ({ ...p, code, summary, details: [] });
  if (answer.status === 400 && /not a valid model/i.test(body)) {
    return problem('MODEL_INVALID', `the gateway says ${model} is not a valid model id`);
  }
  if (answer.status === 403) {
    const nda = /\bnda\b/i.test(body);
    return problem(
      nda ? 'MODEL_NDA_REQUIRED' : 'MODEL_FORBIDDEN',
      nda
        ? `${model} needs an NDA you have not accepted yet: accept it, then retry`
        : `your token has no access to ${model} ${p.reason}`,
    );
  }
  if (answer.status === 400) return problem('GATEWAY_BAD_REQUEST', `POST ${path} was rejected ${p.reason}`);
  return p;
}
