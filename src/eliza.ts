/**
 * What the doctor knows about Eliza's answers, as pure functions: error texts, status codes,
 * the quota's undocumented shape, the models list, the OpenAI chat shape.
 */
import type { HttpAnswer } from './net/index.ts';

export const RAW_OPENAI_PATH = '/raw/openai/v1';
export const RAW_ANTHROPIC_PATH = '/raw/anthropic';

export interface AnswerProblem {
  status: 'fail' | 'warn';
  code: string;
  summary: string;
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

function preview(answer: HttpAnswer): string {
  const text = answer.body.subarray(0, 2048).toString('utf8');
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
  const said = message ? `: "${truncate(message)}"` : '';
  const s = answer.status;
  if (s >= 200 && s < 300) {
    if (parsed.ok) {
      const type = answer.headers['content-type'];
      return { ok: true, json: parsed.json, labelled: type === undefined || /json/i.test(type) };
    }
    const html = looksLikeHtml(answer);
    return problem(
      'fail',
      'GATEWAY_UNEXPECTED_RESPONSE',
      html
        ? `${what} answered ${s} with an HTML page, not JSON: a proxy or captive portal answered instead of Eliza`
        : `${what} answered ${s} with a body that is not JSON`,
      [preview(answer), `content-type: ${answer.headers['content-type'] ?? '(none)'}`],
    );
  }
  if (s === 401) {
    return problem('fail', 'TOKEN_INVALID', `the gateway rejected the token (401${said})`, []);
  }
  if (s === 403) return problem('fail', 'TOKEN_FORBIDDEN', `the token has no access (403${said})`, []);
  if (s === 429) {
    const code = message && /quota/i.test(message) ? 'QUOTA_EXHAUSTED' : 'GATEWAY_OVERLOADED';
    const text =
      code === 'QUOTA_EXHAUSTED' ? 'the quota is used up' : 'the gateway or the model is overloaded';
    return problem(
      'fail',
      code,
      `${what}: ${text} (429${said}).${retryAfter(answer)}`.replace(/\.\./, '.'),
      [],
    );
  }
  if (s === 408 || s >= 500) {
    const html = !parsed.ok && looksLikeHtml(answer) ? ' (an HTML error page: from a proxy in between?)' : '';
    return problem(
      'fail',
      'GATEWAY_ERROR',
      `${what} failed on the gateway's side (${s}${said})${html}; it is usually temporary, retry later.${retryAfter(answer)}`,
      parsed.ok ? [] : [preview(answer)],
    );
  }
  if (s === 404) {
    return problem(
      'fail',
      'GATEWAY_NOT_FOUND',
      `${what} is not there (404${said}): is the base URL the gateway's root?`,
      [],
    );
  }
  return problem(
    'fail',
    'GATEWAY_UNEXPECTED_STATUS',
    `${what} answered ${s}${said}`,
    parsed.ok ? [] : [preview(answer)],
  );
}

function problem(status: 'fail' | 'warn', code: string, summary: string, details: string[]): ParsedAnswer {
  return { ok: false, problem: { status, code, summary, details } };
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

export interface QuotaFamily {
  family: string;
  limit: number | null;
  used: number | null;
  remaining: number | null;
}

const LIMIT_KEYS = /limit|quota|total|max|allowed|budget/i;
const USED_KEYS = /used|spent|usage|consumed/i;
const REMAINING_KEYS = /remain|left|available|balance|rest/i;
const FAMILY_KEYS = ['model_family', 'family', 'name', 'model', 'id'];

/**
 * The /quota shape is not documented: accept a list of entries, a map of family -> entry, or
 * either one level down, and read numbers (or numeric strings) by the meaning of their keys.
 */
export function parseQuota(json: unknown): QuotaFamily[] | null {
  const entries = findEntries(json);
  if (!entries) return null;
  const families = entries.flatMap(([name, entry]) => {
    const numbers = Object.entries(entry).flatMap(([key, value]) => {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())
            ? Number(value)
            : null;
      return n === null ? [] : [[key, n] as const];
    });
    const pick = (pattern: RegExp, not: RegExp[] = []) =>
      numbers.find(([key]) => pattern.test(key) && !not.some((p) => p.test(key)))?.[1] ?? null;
    const remaining = pick(REMAINING_KEYS);
    const used = pick(USED_KEYS, [REMAINING_KEYS]);
    const limit = pick(LIMIT_KEYS, [REMAINING_KEYS, USED_KEYS]);
    if (remaining === null && used === null && limit === null) return [];
    return [{ family: name, limit, used, remaining }];
  });
  return families.length ? families : null;
}

function findEntries(json: unknown, depth = 0): [string, Record<string, unknown>][] | null {
  if (depth > 2 || !json || typeof json !== 'object') return null;
  if (Array.isArray(json)) {
    const objects = json.filter(
      (e): e is Record<string, unknown> => !!e && typeof e === 'object' && !Array.isArray(e),
    );
    if (!objects.length) return null;
    return objects.map((o, i) => {
      const key = FAMILY_KEYS.find((k) => typeof o[k] === 'string');
      return [key ? String(o[key]) : `#${i + 1}`, o];
    });
  }
  const values = Object.entries(json as Record<string, unknown>);
  for (const [, value] of values) {
    if (Array.isArray(value)) {
      const found = findEntries(value, depth + 1);
      if (found) return found;
    }
  }
  const objects = values.filter(
    (e): e is [string, Record<string, unknown>] => !!e[1] && typeof e[1] === 'object' && !Array.isArray(e[1]),
  );
  if (
    objects.length &&
    objects.every(([, o]) => Object.values(o).some((v) => typeof v === 'number' || typeof v === 'string'))
  ) {
    return objects;
  }
  return null;
}

export function isExhausted(q: QuotaFamily): boolean {
  if (q.remaining !== null) return q.remaining <= 0;
  return q.limit !== null && q.used !== null && q.limit > 0 && q.used >= q.limit;
}

export function describeQuota(q: QuotaFamily): string {
  const n = (x: number) => String(Math.round(x * 100) / 100);
  if (q.limit !== null && q.used !== null) return `${q.family}: ${n(q.used)} of ${n(q.limit)} used`;
  if (q.remaining !== null) return `${q.family}: ${n(q.remaining)} left`;
  if (q.used !== null) return `${q.family}: ${n(q.used)} used`;
  return `${q.family}: limit ${n(q.limit!)}`;
}

/** Model ids from GET /v1/models, or null when the shape is not a list of models. */
export function parseModels(json: unknown): string[] | null {
  const data = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return null;
  return data.flatMap((m) =>
    m && typeof m === 'object' && typeof (m as { id?: unknown }).id === 'string'
      ? [(m as { id: string }).id]
      : [],
  );
}

export function closest(wanted: string, candidates: string[], count = 3): string[] {
  return candidates
    .map((c) => ({ c, d: distance(wanted.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, count)
    .map((x) => x.c);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
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
