import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { streamCheck } from '../../checks/stream.ts';
import type { StreamAnswer } from '../../src/net/index.ts';
import { anthropicMessages, messageEventMeaning } from '../../src/stream/anthropic-messages.ts';
import { chatChunkMeaning, openAiChat } from '../../src/stream/openai-chat.ts';
import { responseEventMeaning } from '../../src/stream/openai-responses.ts';
import { Decompressor, probeStream, type StreamTrace } from '../../src/stream/probe.ts';
import { parseSse, SseParser } from '../../src/stream/sse.ts';
import {
  burstOf,
  judgeStream,
  MIN_EVENTS_TO_JUDGE,
  type StreamSetting,
  untimedByStalls,
  wantsSecondLook,
} from '../../src/stream/verdict.ts';
import type { WireApi } from '../../src/stream/wire.ts';
import { fakeContext, fakeNet, netFailure } from '../helpers/fakes.ts';

if (process.env.CI) fc.configureGlobal({ seed: 20261130 });
const RUNS = { numRuns: 300 };
const bytes = (text: string) => Buffer.from(text, 'utf8');

/** Cuts a buffer at the given points (sorted, deduplicated, inside it). */
function cut(buffer: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buffer.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    parts.push(buffer.subarray(from, p));
    from = p;
  }
  parts.push(buffer.subarray(from));
  return parts;
}

describe('SSE framing (WHATWG event stream interpretation)', () => {
  it('joins data lines with LF, names events, keeps the last id, skips comments', () => {
    const out = parseSse([bytes(': hello\nevent: a\ndata: 1\ndata:2\nid: 7\n\ndata: {"x": 1}\n\n')]);
    assert.deepEqual(out.events, [
      { type: 'a', data: '1\n2', id: '7' },
      { type: null, data: '{"x": 1}', id: '7' },
    ]);
    assert.equal(out.comments, 1);
  });

  it('ends lines at CRLF, LF or CR; drops one BOM; a field without colon; empty data dispatches', () => {
    const out = parseSse([bytes('\uFEFFdata: a\r\n\r\ndata\rdata: b\r\revent: e\n\n')]);
    assert.deepEqual(
      out.events.map((e) => [e.type, e.data]),
      [
        [null, 'a'],
        [null, '\nb'],
      ],
    );
  });

  it('drops an event without its blank line at the end, and an event with no data', () => {
    const out = parseSse([bytes('event: x\n\ndata: cut')]);
    assert.deepEqual(out.events, []);
  });

  it('gives the same events however the bytes are cut (CR LF and UTF-8 split across reads)', () => {
    const line = fc.constantFrom(
      'data: é😀',
      'data: [DONE]',
      'event: ping',
      ': keep',
      'id: 3',
      'data',
      'x: y',
      '',
    );
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    const stream = fc
      .array(fc.tuple(line, eol), { maxLength: 30 })
      .map((lines) => Buffer.from(lines.map(([l, e]) => l + e).join(''), 'utf8'));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (whole, points, bom) => {
        const input = bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), whole]) : whole;
        const once = parseSse([input]);
        const pieces = parseSse(cut(input, points));
        assert.deepEqual(pieces, once);
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const parser = new SseParser();
        for (const chunk of chunks) parser.push(chunk);
        parser.end();
      }),
      RUNS,
    );
  });
});

describe('what each wire API makes of an event', () => {
  const ev = (data: string, type: string | null = null) => ({ type, data, id: '' });

  it('OpenAI chat: chunks, [DONE], errors in data or as event: error, malformed', () => {
    const chunk = (delta: unknown) => JSON.stringify({ choices: [{ index: 0, delta }] });
    assert.deepEqual(chatChunkMeaning(ev(chunk({ content: 'hi' }))), { kind: 'event', content: true });
    assert.deepEqual(chatChunkMeaning(ev(chunk({ role: 'assistant', content: '' }))), {
      kind: 'event',
      content: false,
    });
    assert.deepEqual(chatChunkMeaning(ev('{"choices": []}')), { kind: 'event', content: false });
    assert.equal(chatChunkMeaning(ev('[DONE]')).kind, 'end');
    assert.deepEqual(chatChunkMeaning(ev('{"error": {"message": "boom", "type": "server_error"}}')), {
      kind: 'error',
      type: 'server_error',
      message: 'boom',
    });
    assert.equal(chatChunkMeaning(ev('{"error": {"message": "x"}}', 'error')).kind, 'error');
    assert.equal(chatChunkMeaning(ev('{"choices": [{"delta"')).kind, 'malformed');
    assert.equal(chatChunkMeaning(ev('{"object": "other"}')).kind, 'malformed');
    assert.equal(chatChunkMeaning(ev('{"choices": [{}]}')).kind, 'malformed');
  });

  it('Anthropic messages: named events, ping, message_stop, event: error', () => {
    const named = (type: string, rest: object = {}) => ev(JSON.stringify({ type, ...rest }), type);
    assert.deepEqual(messageEventMeaning(named('content_block_delta', { delta: { text: '1' } })), {
      kind: 'event',
      content: true,
    });
    assert.equal(messageEventMeaning(named('message_start')).kind, 'event');
    assert.equal(messageEventMeaning(named('ping')).kind, 'ping');
    assert.equal(messageEventMeaning(named('message_stop')).kind, 'end');
    assert.deepEqual(
      messageEventMeaning(
        ev('{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}', 'error'),
      ),
      { kind: 'error', type: 'overloaded_error', message: 'Overloaded' },
    );
    assert.equal(messageEventMeaning(ev('{"type": "message_delta"', 'message_delta')).kind, 'malformed');
    assert.equal(messageEventMeaning(ev('{"type": "other"}', 'message_stop')).kind, 'malformed');
    assert.equal(
      messageEventMeaning(ev('{}', 'some_new_event')).kind,
      'event',
      'unknown names pass, as in the SDK',
    );
  });

  it('OpenAI responses: deltas, response.completed, response.failed and error', () => {
    const typed = (type: string, rest: object = {}) => ev(JSON.stringify({ type, ...rest }), type);
    assert.deepEqual(responseEventMeaning(typed('response.output_text.delta', { delta: 'a' })), {
      kind: 'event',
      content: true,
    });
    assert.equal(responseEventMeaning(typed('response.created')).kind, 'event');
    assert.equal(responseEventMeaning(typed('response.completed')).kind, 'end');
    assert.equal(responseEventMeaning(typed('response.incomplete')).kind, 'end');
    assert.deepEqual(
      responseEventMeaning(
        typed('response.failed', { response: { error: { code: 'server_error', message: 'x' } } }),
      ),
      { kind: 'error', type: 'server_error', message: 'x' },
    );
    assert.equal(responseEventMeaning(ev('{"type": "error", "message": "m"}', 'error')).kind, 'error');
    assert.equal(responseEventMeaning(ev('{"delta": "a"}')).kind, 'malformed', 'no type anywhere');
  });

  it('no wire API throws on any event', () => {
    const event = fc.record({
      type: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
      data: fc.oneof(fc.string({ maxLength: 60 }), fc.json()),
      id: fc.constant(''),
    });
    fc.assert(
      fc.property(event, (e) => {
        for (const meaning of [chatChunkMeaning, messageEventMeaning, responseEventMeaning]) meaning(e);
      }),
      RUNS,
    );
  });
});

describe('decompressing a stream read by read', () => {
  it('gives back the same bytes however the compressed stream is cut, for gzip, deflate and br', () => {
    const text = Buffer.from('data: {"choices": [{"delta": {"content": "12"}}]}\n\n'.repeat(20));
    const encoders = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, br: zlib.brotliCompressSync };
    fc.assert(
      fc.property(
        fc.constantFrom('gzip', 'deflate', 'br'),
        fc.array(fc.nat(), { maxLength: 8 }),
        (name, points) => {
          const compressed = encoders[name as keyof typeof encoders](text);
          const decoder = new Decompressor(name);
          const out: Buffer[] = [];
          for (const piece of cut(compressed, points)) {
            const r = decoder.push(piece);
            assert.ok(r.ok);
            out.push(r.bytes);
          }
          const rest = decoder.end();
          assert.ok(rest.ok);
          out.push(rest.bytes);
          assert.deepEqual(Buffer.concat(out), text);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an encoding no SDK decodes, and bytes that are not what the header says, are problems', () => {
    assert.equal(new Decompressor('zstd').push(Buffer.from('x')).ok, false);
    assert.equal(new Decompressor('gzip').push(Buffer.from('data: not gzip at all\n\n')).ok, false);
  });
});

/** A fake stream answer: the given reads at the given times, then the end (or an error). */
function fakeStream(
  reads: { text: string | Buffer; atMs: number }[],
  options: { status?: number; headers?: Record<string, string>; ending?: 'end' | 'hang' | Error } = {},
) {
  let cancelled = false;
  let release: () => void = () => undefined;
  // Held open until cancel(), as a connection is: the probe's own timers do not keep a process alive.
  const hanging = new Promise<void>((resolve) => {
    const keep = setInterval(() => undefined, 1000);
    release = () => {
      clearInterval(keep);
      resolve();
    };
  });
  const answer: StreamAnswer = {
    status: options.status ?? 200,
    headers: options.headers ?? { 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' },
    headersMs: 5,
    reads: (async function* () {
      for (const r of reads) {
        yield { bytes: Buffer.isBuffer(r.text) ? r.text : Buffer.from(r.text), atMs: r.atMs, held: false };
      }
      const ending = options.ending ?? 'end';
      if (ending === 'hang') await hanging;
      else if (ending instanceof Error) throw ending;
    })(),
    cancel: () => {
      cancelled = true;
      release();
    },
  };
  return { answer, cancelled: () => cancelled };
}

async function probeWith(fake: ReturnType<typeof fakeStream>, api: WireApi = openAiChat, idleMs = 200) {
  const sent: Record<string, string>[] = [];
  const result = await probeStream({
    net: fakeNet({
      stream: async (options) => {
        sent.push(options.headers ?? {});
        return { ok: true, ...fake.answer };
      },
    }),
    baseUrl: 'https://api.eliza.yandex.net',
    api,
    model: 'gpt-5-mini',
    headers: {},
    extraCa: '',
    signal: new AbortController().signal,
    idleMs,
  });
  assert.ok(result.ok);
  return { trace: result.trace, sent: sent[0]! };
}

const chunk = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
const spaced = (n: number, gapMs: number, from = 10) =>
  Array.from({ length: n }, (_, i) => ({ text: chunk(String(i + 1)), atMs: from + i * gapMs }));
const done = (atMs: number) => ({ text: 'data: [DONE]\n\n', atMs });

describe('the stream probe', () => {
  it('asks for an event stream with the encodings fetch offers, and measures a healthy stream', async () => {
    const fake = fakeStream([...spaced(20, 12), done(260)]);
    const { trace, sent } = await probeWith(fake);
    assert.equal(sent['accept-encoding'], 'br, gzip, deflate');
    assert.equal(sent.accept, 'text/event-stream');
    assert.equal(trace.end, 'terminator');
    assert.equal(trace.events, 21);
    assert.equal(trace.reads, 21);
    assert.equal(trace.firstEventMs, 10);
    assert.equal(trace.lastEventMs, 260);
    assert.ok(fake.cancelled(), 'the connection is let go');
  });

  it('the same bytes cut into reads at any points give the same events and the same end', async () => {
    const whole = Buffer.from(
      [...spaced(10, 1).map((r) => r.text), ': keep-alive\n\n', 'data: [DONE]\n\n']
        .join('')
        .replace(/\n/g, '\r\n'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 20 }), async (points) => {
        const reads = cut(whole, points).map((text, i) => ({ text, atMs: 10 + i }));
        const { trace } = await probeWith(fakeStream(reads));
        assert.equal(trace.end, 'terminator');
        assert.equal(trace.events, 11);
        assert.equal(trace.contentEventTimes.length, 10);
        assert.equal(trace.keepAlives, 1);
      }),
      { numRuns: 100 },
    );
  });

  it('tells a stall (within the idle bound), a cut and a reset apart', async () => {
    const stalled = await probeWith(fakeStream(spaced(3, 5), { ending: 'hang' }), openAiChat, 50);
    assert.equal(stalled.trace.end, 'stalled');
    const closed = await probeWith(fakeStream(spaced(3, 5)));
    assert.equal(closed.trace.end, 'closed');
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const broken = await probeWith(fakeStream(spaced(3, 5), { ending: reset }));
    assert.equal(broken.trace.end, 'reset');
  });

  it('reads a gzip stream as fetch would, and keeps what is not an event stream for the verdict', async () => {
    const body = zlib.gzipSync(Buffer.from([...spaced(10, 1), done(0)].map((r) => r.text).join('')));
    const gz = await probeWith(
      fakeStream([{ text: body, atMs: 40 }], {
        headers: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
      }),
    );
    assert.equal(gz.trace.end, 'terminator');
    assert.equal(gz.trace.encoding, 'gzip');
    assert.equal(gz.trace.contentEventTimes.length, 10);
    const json = await probeWith(
      fakeStream([{ text: '{"choices": [{"message": {"content": "pong"}}]}', atMs: 9 }], {
        headers: { 'content-type': 'application/json' },
      }),
    );
    assert.equal(json.trace.end, 'not-sse');
    assert.match(json.trace.body!.toString(), /pong/);
  });

  it('stops at an error event and at a malformed one', async () => {
    const error = await probeWith(
      fakeStream([...spaced(2, 5), { text: 'data: {"error": {"message": "boom"}}\n\n', atMs: 30 }, done(40)]),
    );
    assert.equal(error.trace.end, 'error-event');
    assert.equal(error.trace.error?.message, 'boom');
    const messages = await probeWith(
      fakeStream([{ text: 'event: message_start\ndata: {"type": "message_start"\n\n', atMs: 5 }]),
      anthropicMessages,
    );
    assert.equal(messages.trace.end, 'malformed');
  });
});

const setting = (viaProxy: boolean): StreamSetting => ({
  api: openAiChat,
  model: 'gpt-5-mini',
  route: viaProxy ? 'the proxy http://proxy.corp:3128 (HTTPS_PROXY)' : 'direct',
  viaProxy,
  noProxy: '.yandex.net',
});

function trace(over: Partial<StreamTrace>): StreamTrace {
  const times = over.contentEventTimes ?? Array.from({ length: 20 }, (_, i) => 40 + i * 13);
  return {
    contentEventHeld: times.map(() => false),
    longestStallMs: 0,
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    headersMs: 20,
    firstEventMs: 30,
    lastEventMs: 300,
    events: 22,
    contentEventTimes: times,
    keepAlives: 0,
    reads: 22,
    lastReadMs: 300,
    bytes: 4000,
    encoding: null,
    end: 'terminator',
    idleMs: 5000,
    error: null,
    problem: null,
    body: null,
    ...over,
  };
}

describe('the stream verdict', () => {
  it('a spaced stream passes, with the first-event and total times on one line', () => {
    const v = judgeStream(trace({}), setting(false));
    assert.equal(v.status, 'pass');
    assert.match(v.summary, /first event after 30 ms, all 22 after 300 ms/);
  });

  it('a slow model (a long wait, then spaced events) passes; the same events delivered together are buffered', () => {
    const slow = trace({
      headersMs: 15,
      firstEventMs: 16,
      lastEventMs: 2500,
      contentEventTimes: Array.from({ length: 20 }, (_, i) => 2240 + i * 13),
    });
    assert.equal(judgeStream(slow, setting(true)).status, 'pass');
    const held = trace({
      headersMs: 2490,
      firstEventMs: 2490,
      lastEventMs: 2492,
      contentEventTimes: Array.from({ length: 20 }, (_, i) => 2490 + Math.floor(i / 10)),
    });
    const v = judgeStream(held, setting(true));
    assert.equal(v.code, 'STREAM_BUFFERED');
    assert.match(v.summary, /proxy\.corp/, 'names the proxy');
    assert.deepEqual(v.fix?.commands, ['export NO_PROXY=.yandex.net']);
  });

  it('events that came together once are asked for again: held twice is the route, flowing then is a hiccup', () => {
    const together = trace({
      headersMs: 899,
      firstEventMs: 899,
      lastEventMs: 900,
      contentEventTimes: Array.from({ length: 20 }, () => 900),
    });
    assert.ok(wantsSecondLook(together));
    assert.ok(!wantsSecondLook(trace({})), 'a stream that flowed is not asked for again');
    assert.equal(judgeStream(together, setting(true), together).code, 'STREAM_BUFFERED');
    const hiccup = judgeStream(together, setting(true), trace({}));
    assert.equal(hiccup.status, 'pass');
    assert.match(hiccup.details[0]!, /a first stream came all at once/);
  });

  it('events spaced as a model generates them are never a burst; enough at one moment always are', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 200 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        let t = 50;
        const times = [t, ...gaps.map((g) => (t += g))];
        assert.equal(burstOf(trace({ contentEventTimes: times })), null);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.integer({ min: MIN_EVENTS_TO_JUDGE, max: 200 }), fc.nat(5000), (n, at) => {
        assert.notEqual(burstOf(trace({ contentEventTimes: Array.from({ length: n }, () => at) })), null);
      }),
      RUNS,
    );
  });

  it("events read as this process came out of a stall are not the route's: asked again, and judged by that", () => {
    // Another check held the thread from 100 to 900 ms: the 20 events, written 13 ms apart, were
    // all read as it let go.
    const together = Array.from({ length: 20 }, () => 900);
    const stalled = trace({
      headersMs: 90,
      firstEventMs: 900,
      lastEventMs: 901,
      contentEventTimes: together,
      contentEventHeld: together.map(() => true),
      longestStallMs: 800,
    });
    const held = trace({ contentEventTimes: Array.from({ length: 20 }, () => 400) });
    assert.equal(burstOf(stalled), null);
    assert.ok(untimedByStalls(stalled));
    assert.ok(wantsSecondLook(stalled));
    assert.equal(judgeStream(stalled, setting(false), trace({})).status, 'pass');
    assert.equal(judgeStream(stalled, setting(false), held).code, 'STREAM_BUFFERED');
    // Held as both looks came, or not asked again: the pacing is unknown, and the warning says so.
    const unknown = judgeStream(stalled, setting(false), stalled);
    assert.equal(unknown.status, 'warn');
    assert.equal(unknown.code, 'STREAM_UNTIMED');
    assert.equal(judgeStream(stalled, setting(false)).code, 'STREAM_UNTIMED');
    // A held first look and a second one too stalled to time: the route is still blamed.
    const stillHeld = judgeStream(held, setting(false), stalled);
    assert.equal(stillHeld.code, 'STREAM_BUFFERED');
    assert.ok(stillHeld.details.some((d) => /could not be timed/.test(d)));
  });

  it('compressed and stalled: the identity look decides, and nothing claims what could not be timed', () => {
    const together = Array.from({ length: 20 }, () => 300);
    const stalledGzip = trace({
      encoding: 'gzip',
      contentEventTimes: together,
      contentEventHeld: together.map(() => true),
    });
    assert.ok(wantsSecondLook(stalledGzip));
    const heldAgain = judgeStream(stalledGzip, setting(true), trace({ contentEventTimes: together }));
    assert.equal(heldAgain.code, 'STREAM_BUFFERED');
    const flowed = judgeStream(stalledGzip, setting(true), trace({}));
    assert.equal(flowed.status, 'warn');
    assert.equal(flowed.code, 'STREAM_COMPRESSED');
    assert.match(flowed.summary, /could not be timed/);
    assert.ok(!flowed.details.some((d) => /compression is what holds them/.test(d)));
    // A compressed burst whose identity look could not be timed: compression is not blamed on it.
    const heldGzip = trace({ encoding: 'br', contentEventTimes: together });
    const untimedSecond = judgeStream(heldGzip, setting(true), { ...stalledGzip, encoding: null });
    assert.equal(untimedSecond.code, 'STREAM_COMPRESSED');
    assert.ok(untimedSecond.details.some((d) => /could not be timed either/.test(d)));
  });

  it('a short stall bunches a few events, not the stream', () => {
    const spaced = Array.from({ length: 20 }, (_, i) => 40 + i * 13);
    const brief = trace({ contentEventTimes: spaced, contentEventHeld: spaced.map((_, i) => i < 3) });
    assert.ok(!untimedByStalls(brief));
    assert.equal(judgeStream(brief, setting(false)).status, 'pass');
  });

  it('too few events are not judged for buffering', () => {
    const few = trace({ contentEventTimes: Array.from({ length: MIN_EVENTS_TO_JUDGE - 1 }, () => 50) });
    assert.equal(burstOf(few), null);
    assert.equal(judgeStream(few, setting(false)).status, 'pass');
  });

  it('compression: a warning when the events flowed, a failure when they were held', () => {
    assert.equal(judgeStream(trace({ encoding: 'gzip' }), setting(false)).status, 'warn');
    const held = judgeStream(
      trace({ encoding: 'br', contentEventTimes: Array.from({ length: 20 }, () => 300) }),
      setting(false),
    );
    assert.equal(held.status, 'fail');
    assert.equal(held.code, 'STREAM_COMPRESSED');
  });

  it('asked again uncompressed: flowing confirms compression, held the same blames the route', () => {
    const heldTimes = Array.from({ length: 20 }, () => 300);
    const compressed = trace({ encoding: 'gzip', contentEventTimes: heldTimes });
    assert.ok(wantsSecondLook(compressed));
    const flowing = judgeStream(compressed, setting(true), trace({}));
    assert.equal(flowing.code, 'STREAM_COMPRESSED');
    assert.match(flowing.details[0]!, /Accept-Encoding: identity, the events flowed/);
    const stillHeld = judgeStream(compressed, setting(true), trace({ contentEventTimes: heldTimes }));
    assert.equal(stillHeld.code, 'STREAM_BUFFERED');
  });

  it('each way a stream ends badly has its code', () => {
    const code = (over: Partial<StreamTrace>) => judgeStream(trace(over), setting(false)).code;
    assert.equal(code({ end: 'closed' }), 'STREAM_CUT');
    assert.equal(code({ end: 'reset', problem: 'UND_ERR_SOCKET: other side closed' }), 'STREAM_CUT');
    assert.equal(code({ end: 'stalled' }), 'STREAM_STALLED');
    assert.equal(code({ end: 'malformed', problem: 'x' }), 'STREAM_MALFORMED');
    assert.equal(
      code({ end: 'error-event', error: { type: 'server_error', message: 'm' } }),
      'STREAM_ERROR_EVENT',
    );
    const body = (text: string, type: string) => ({
      end: 'not-sse' as const,
      body: Buffer.from(text),
      headers: { 'content-type': type },
    });
    assert.equal(code(body('{"choices": []}', 'application/json')), 'STREAM_NOT_SSE');
    assert.equal(code(body('<html><title>Login</title></html>', 'text/html')), 'STREAM_NOT_SSE');
    assert.equal(code(body('data: {}\n\n', 'text/plain')), 'STREAM_NOT_SSE');
    assert.equal(code(body('{"response": {}, "stats": {}}', 'application/json')), 'GATEWAY_WRAPPED_RESPONSE');
  });

  it('a status before the stream is judged as the round trip judges it', () => {
    const status = (s: number, text: string) =>
      judgeStream(
        trace({
          end: 'status',
          status: s,
          body: Buffer.from(text),
          headers: { 'content-type': 'application/json' },
        }),
        setting(false),
      ).code;
    assert.equal(status(401, '{"error": "invalid OAuth token"}'), 'TOKEN_INVALID');
    assert.equal(status(429, '{"error": "Quota exceeded"}'), 'QUOTA_EXHAUSTED');
    assert.equal(status(429, '{"error": "model is overloaded"}'), 'GATEWAY_OVERLOADED');
    assert.equal(status(503, 'upstream down'), 'GATEWAY_ERROR');
    assert.equal(status(403, '{"error": "accept the NDA"}'), 'MODEL_NDA_REQUIRED');
    assert.equal(status(400, '{"error": "x is not a valid model ID"}'), 'MODEL_INVALID');
  });
});

describe('the stream check', () => {
  const context = (
    stream: NonNullable<Parameters<typeof fakeNet>[0]['stream']>,
    env: Record<string, string> = {},
  ) =>
    fakeContext({
      raw: { token: 'y0_fake_token_value' },
      env,
      net: {
        stream,
        route: (host) =>
          env.HTTPS_PROXY && host
            ? { variable: 'HTTPS_PROXY', url: env.HTTPS_PROXY, parsed: new URL(env.HTTPS_PROXY) }
            : null,
      },
      dependencies: { 'ca-bundle': { data: { pem: null } }, models: {} },
    });

  it('passes a healthy stream with data.stream filled in, and sends the token only in its header', async () => {
    let sent: Record<string, string> = {};
    const fake = fakeStream([...spaced(20, 12), done(260)]);
    const result = await streamCheck.run(
      context(async (options) => {
        sent = options.headers ?? {};
        return { ok: true, ...fake.answer };
      }),
    );
    assert.equal(result.status, 'pass');
    assert.deepEqual(result.data.stream, {
      headersMs: 5,
      firstEventMs: 10,
      lastEventMs: 260,
      events: 21,
      reads: 21,
      encoding: null,
      terminated: true,
    });
    assert.equal(sent.authorization, 'OAuth y0_fake_token_value');
    assert.ok(!JSON.stringify(result).includes('y0_fake_token_value'));
  });

  it('names the proxy of the route when it holds the stream (twice), and the NO_PROXY that avoids it', async () => {
    const together = Array.from({ length: 20 }, (_, i) => ({ text: chunk(String(i)), atMs: 900 }));
    let requests = 0;
    const result = await streamCheck.run(
      context(
        async () => {
          requests++;
          return { ok: true, ...fakeStream([...together, done(900)]).answer };
        },
        { HTTPS_PROXY: 'http://proxy.corp:3128' },
      ),
    );
    assert.equal(result.code, 'STREAM_BUFFERED');
    assert.equal(requests, 2, 'asked twice before blaming the route');
    assert.match(result.summary, /proxy\.corp:3128/);
    assert.deepEqual(result.fix?.commands, ['export NO_PROXY=.yandex.net']);
  });

  it('no answer at all is a failed gateway call, as in the round trip', async () => {
    const result = await streamCheck.run(
      context(async () => netFailure('timeout', 'UND_ERR_HEADERS_TIMEOUT')),
    );
    assert.equal(result.code, 'GATEWAY_TIMEOUT');
    assert.equal(result.data.stream, null);
  });
});
