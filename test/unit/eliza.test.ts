import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatShape, errorText, judgeAnswer } from '../../src/eliza/answers.ts';
import { parseModels } from '../../src/eliza/models.ts';
import { isExhausted, parseQuota } from '../../src/eliza/quota.ts';
import type { HttpAnswer } from '../../src/net/index.ts';
import { closest } from '../../src/similar.ts';

const answer = (status: number, body: string | Buffer, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  ttfbMs: 1,
  totalMs: 2,
});
const codeOf = (a: HttpAnswer) => {
  const r = judgeAnswer(a, 'GET /quota');
  return r.ok ? 'ok' : r.problem.code;
};

describe('judgeAnswer', () => {
  const cases: [string, HttpAnswer, string][] = [
    ['200 JSON', answer(200, '{"a":1}'), 'ok'],
    [
      '200 HTML',
      answer(200, '<!DOCTYPE html><html><title>Login</title></html>', { 'content-type': 'text/html' }),
      'GATEWAY_UNEXPECTED_RESPONSE',
    ],
    ['200 truncated JSON', answer(200, '{"quotas": [{"mod'), 'GATEWAY_UNEXPECTED_RESPONSE'],
    [
      '200 invalid UTF-8',
      answer(200, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
      'GATEWAY_UNEXPECTED_RESPONSE',
    ],
    ['200 empty', answer(200, ''), 'GATEWAY_UNEXPECTED_RESPONSE'],
    ['401', answer(401, '{"error":"authorization required for direct requests"}'), 'TOKEN_INVALID'],
    ['403', answer(403, '{"error":{"message":"no access"}}'), 'TOKEN_FORBIDDEN'],
    ['429 quota', answer(429, '{"error":"Quota exceeded"}'), 'QUOTA_EXHAUSTED'],
    [
      '429 overloaded',
      answer(429, '{"message":"model gpt-5 is overloaded"}', { 'retry-after': '7' }),
      'GATEWAY_OVERLOADED',
    ],
    ['429 bare', answer(429, ''), 'GATEWAY_OVERLOADED'],
    ['408', answer(408, ''), 'GATEWAY_ERROR'],
    [
      '502 HTML',
      answer(502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' }),
      'GATEWAY_ERROR',
    ],
    ['404', answer(404, '{"error":"no route"}'), 'GATEWAY_NOT_FOUND'],
    ['418', answer(418, 'teapot'), 'GATEWAY_UNEXPECTED_STATUS'],
  ];
  for (const [what, a, code] of cases) it(`${what} -> ${code}`, () => assert.equal(codeOf(a), code));

  it('says when to retry', () => {
    const r = judgeAnswer(
      answer(429, '{"error":"model x is overloaded"}', { 'retry-after': '30' }),
      'POST /x',
    );
    assert.ok(!r.ok && /Retry after 30 s/.test(r.problem.summary));
  });
  it('names a captive portal page by its title', () => {
    const r = judgeAnswer(
      answer(200, '<html><head><title>Guest Wi-Fi</title></head></html>', { 'content-type': 'text/html' }),
      'GET /quota',
    );
    assert.ok(
      !r.ok &&
        /HTML page/.test(r.problem.summary) &&
        r.problem.details.some((d) => d.includes('Guest Wi-Fi')),
    );
  });
});

describe('errorText finds the message wherever Eliza puts it', () => {
  for (const body of [
    { error: 'm' },
    { error: { message: 'm' } },
    { stats: { message: 'm' } },
    { message: 'm' },
  ]) {
    it(JSON.stringify(body), () => assert.equal(errorText(body), 'm'));
  }
  it('null for none', () => assert.equal(errorText({ a: 1 }), null));
});

describe('parseQuota reads shapes it was never told about', () => {
  it('a list under a key, with numeric strings', () => {
    const q = parseQuota({ quotas: [{ model_family: 'gpt-5', limit: '100', spent: '100.0' }] });
    assert.deepEqual(q, [{ family: 'gpt-5', limit: 100, used: 100, remaining: null }]);
    assert.equal(isExhausted(q![0]!), true);
  });
  it('a map of family to numbers', () => {
    const q = parseQuota({ 'gpt-4': { total_usd: 50, used_usd: 10 }, claude: { remaining: 0 } });
    assert.deepEqual(
      q?.map((f) => [f.family, isExhausted(f)]),
      [
        ['gpt-4', false],
        ['claude', true],
      ],
    );
  });
  it('a bare list', () => {
    assert.equal(parseQuota([{ family: 'x', left: 5 }])?.[0]?.remaining, 5);
  });
  for (const odd of [null, 42, 'text', [], {}, { a: 'b' }, [[1, 2]], { data: [1, 2] }]) {
    it(`null, not a crash, for ${JSON.stringify(odd)}`, () => assert.equal(parseQuota(odd), null));
  }
});

describe('models and chat', () => {
  it('parseModels reads data[].id and ignores junk', () => {
    assert.deepEqual(parseModels({ data: [{ id: 'a' }, { id: 3 }, null, { id: 'b' }] }), ['a', 'b']);
    assert.equal(parseModels({ models: [] }), null);
  });
  it('closest finds the typo', () => {
    assert.equal(closest('gpt-5-mni', ['claude-sonnet-4-5', 'gpt-5-mini', 'gpt-5'])[0], 'gpt-5-mini');
  });
  it('chatShape tells raw, wrapped and unknown apart', () => {
    assert.equal(
      chatShape({ choices: [{ message: { content: 'x' }, finish_reason: 'stop' }] }).kind,
      'openai',
    );
    assert.equal(chatShape({ response: {}, stats: {} }).kind, 'wrapped');
    assert.equal(chatShape({ choices: [] }).kind, 'unknown');
    assert.equal(chatShape('x').kind, 'unknown');
  });
});
