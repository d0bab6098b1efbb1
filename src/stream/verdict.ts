/**
 * What a streamed answer's trace says, as a pure function: the cause a user needs (a proxy that
 * holds the stream, compression, an idle timeout, a body that is no stream) and the fix that names
 * it. The trace comes from src/stream/probe.ts.
 */
import type { Code } from '../codes.ts';
import { bodyPreview, chatProblem, chatShape, looksLikeHtml } from '../eliza/answers.ts';
import { gatewayCallFix } from '../eliza/fixes.ts';
import { manualFix } from '../engine/outcome.ts';
import type { Fix, Status } from '../engine/types.ts';
import type { HttpAnswer } from '../net/index.ts';
import type { StreamTrace } from './probe.ts';
import type { WireApi } from './wire.ts';

/** Fewer events with text than this cannot show how they travel: a short answer may come in one read. */
export const MIN_EVENTS_TO_JUDGE = 8;
/**
 * Events this close (ms) came off the connection together, not as a model generated them: hardly
 * a model streams 1000 tokens a second, a buffer releasing what it held does.
 */
export const TOGETHER_MS = 1;
/**
 * The share of events that came together with the one before, above which the stream was held:
 * a loaded machine or a lost packet bunches a few events, a buffer bunches nearly all of them
 * (in one release or, when the reader is interrupted, two).
 */
export const HELD_SHARE = 0.75;

export interface StreamVerdict {
  status: Status;
  code: Code | null;
  summary: string;
  details: string[];
  fix: Fix | null;
}

export interface StreamSetting {
  api: WireApi;
  model: string;
  /** "direct" or "the proxy http://proxy:3128 (HTTPS_PROXY)". */
  route: string;
  viaProxy: boolean;
  /** What NO_PROXY should say for the gateway to bypass the proxy. */
  noProxy: string;
}

/** When the events with text arrived, but those read as this process came out of a stall (src/stalls.ts). */
function timedEvents(trace: StreamTrace): number[] {
  return trace.contentEventTimes.filter((_, i) => !trace.contentEventHeld[i]);
}

/** Enough events with text, but too few read while this process was free to tell how they came. */
export function untimedByStalls(trace: StreamTrace): boolean {
  return (
    trace.contentEventTimes.length >= MIN_EVENTS_TO_JUDGE && timedEvents(trace).length < MIN_EVENTS_TO_JUDGE
  );
}

/** The events with text came (nearly) all at once: how many, and over how many ms. */
export function burstOf(trace: StreamTrace): { spanMs: number; events: number; together: number } | null {
  const times = timedEvents(trace);
  if (times.length < MIN_EVENTS_TO_JUDGE) return null;
  let together = 0;
  for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! <= TOGETHER_MS) together++;
  if (together < HELD_SHARE * (times.length - 1)) return null;
  return { spanMs: times[times.length - 1]! - times[0]!, events: times.length, together };
}

/**
 * A stream whose events came together is asked for once more before the route is blamed: a
 * machine too busy to read for a moment queues the events too, and seldom twice in a row; a
 * compressed one is asked for uncompressed (`Accept-Encoding: identity`), which tells whether
 * compression is why.
 */
export function wantsSecondLook(trace: StreamTrace): boolean {
  return trace.end === 'terminator' && (burstOf(trace) !== null || untimedByStalls(trace));
}

/** `second`: the same request made again, when wantsSecondLook said so. */
export function judgeStream(
  trace: StreamTrace,
  setting: StreamSetting,
  second: StreamTrace | null = null,
): StreamVerdict {
  const { api } = setting;
  const what = `POST ${api.path}`;
  const facts = factLines(trace);
  const verdict = (
    status: Status,
    code: Code | null,
    summary: string,
    details: string[],
    fix: Fix | null = null,
  ): StreamVerdict => ({
    status,
    code,
    summary,
    details: [...details, ...facts],
    // Every failure says what to do; the gateway's own failures share the round trip's words.
    fix: fix ?? (status === 'fail' && code ? gatewayCallFix(code, setting.model) : null),
  });
  const bypass = setting.viaProxy
    ? manualFix(`let the gateway bypass ${setting.route}`, [`export NO_PROXY=${setting.noProxy}`])
    : null;
  const after = (ms: number | null) => (ms === null ? 'no event' : `${ms} ms`);

  switch (trace.end) {
    case 'status': {
      const answer: HttpAnswer = {
        status: trace.status,
        headers: trace.headers,
        body: trace.body ?? Buffer.alloc(0),
        ttfbMs: trace.headersMs,
        totalMs: trace.lastReadMs ?? trace.headersMs,
      };
      const p = chatProblem(answer, api.path, setting.model);
      if (p) return verdict('fail', p.code, p.summary, p.details, gatewayCallFix(p.code, setting.model));
      // A 2xx is never judged here; this is only for the type's sake.
      return verdict('fail', 'GATEWAY_UNEXPECTED_STATUS', `${what} answered ${trace.status}`, []);
    }
    case 'not-sse': {
      const body = trace.body ?? Buffer.alloc(0);
      const type = trace.headers['content-type'] ?? '(none)';
      const text = body.subarray(0, 256).toString('utf8').trimStart();
      const answer = { status: trace.status, headers: trace.headers, body, ttfbMs: 0, totalMs: 0 };
      if (isWrapped(body)) {
        return verdict(
          'fail',
          'GATEWAY_WRAPPED_RESPONSE',
          `${what} returned Eliza's wrapper instead of the raw OpenAI event stream: SDKs cannot parse it`,
          [],
        );
      }
      const summary = /^(data|event|id):/.test(text)
        ? `${what} streamed events labelled "${type}", not text/event-stream: something on the route rewrote the content-type (clients then stop streaming or fail)`
        : looksLikeHtml(answer)
          ? `${what} with "stream": true answered an HTML page, not an event stream: a proxy or portal answered instead of Eliza`
          : text.startsWith('{')
            ? `${what} with "stream": true answered one JSON document ("${type}"), not an event stream: the stream was dropped on the way`
            : `${what} with "stream": true answered "${type}", not an event stream`;
      return verdict(
        'fail',
        'STREAM_NOT_SSE',
        summary,
        [bodyPreview(body), `route: ${setting.route}`],
        bypass ??
          manualFix(
            'report it to the Eliza team with these details: the raw route must answer "stream": true with text/event-stream',
          ),
      );
    }
    case 'error-event': {
      const e = trace.error ?? { type: null, message: null };
      const said = [e.type, e.message ? `"${e.message}"` : null].filter(Boolean).join(': ') || 'no message';
      const overload = /overload|rate.?limit|capacity|429/i.test(`${e.type} ${e.message}`);
      return verdict(
        'fail',
        'STREAM_ERROR_EVENT',
        `the stream started (200) and then carried an error event after ${trace.events - 1} events (${said}): SDKs throw it mid-answer${overload ? '; the model is overloaded, retry later' : ''}`,
        [],
        manualFix(
          overload
            ? 'retry later, or use another model'
            : 'retry; if it recurs, report it to the Eliza team with the error above (the model or its provider failed mid-answer)',
        ),
      );
    }
    case 'malformed':
      return verdict(
        'fail',
        'STREAM_MALFORMED',
        `the ${api.name} stream broke after ${trace.events} events: ${trace.problem ?? 'an event no SDK can read'}`,
        [`route: ${setting.route}`],
        bypass ?? manualFix('report it to the Eliza team with the event above: no SDK can read it'),
      );
    case 'too-large':
      return verdict(
        'fail',
        'GATEWAY_TOO_LARGE',
        `the stream went on past any real answer (${trace.problem}); stopped reading`,
        [],
      );
    case 'stalled': {
      const where =
        trace.events === 0
          ? `the headers came after ${trace.headersMs} ms, then no event at all`
          : `${trace.events} events came, the last after ${after(trace.lastEventMs)}, then nothing`;
      return verdict(
        'fail',
        'STREAM_STALLED',
        `${where} for ${trace.idleMs} ms: the stream stalled (clients wait, then report a timeout or "Connection error.")`,
        [
          setting.viaProxy
            ? `the stream goes through ${setting.route}, which may hold it`
            : 'a model that thinks long before its first token sends nothing meanwhile: rerun with a larger --timeout to tell',
          "clients wait longer than the doctor: raise the client's own stream timeout only when the gateway is just slow",
        ],
        bypass ??
          manualFix(
            'if a longer --timeout passes, the model is only slow: give the client a longer stream idle timeout (Codex stream_idle_timeout_ms; an SDK timeout)',
          ),
      );
    }
    case 'closed':
    case 'reset': {
      const how = trace.end === 'reset' ? 'the connection broke' : 'the server closed the stream';
      return verdict(
        'fail',
        'STREAM_CUT',
        `${how} after ${trace.events} events (at ${after(trace.lastReadMs)}), before ${api.terminator}: the answer is incomplete, as an idle timeout or a reset on the route does (clients show "API Streaming Failed" or "Connection error.")`,
        [
          ...(trace.problem ? [`cause: ${trace.problem}`] : []),
          setting.viaProxy
            ? `the stream goes through ${setting.route}: its idle or total timeout is the first suspect`
            : 'the route is direct: a firewall or VPN idle timeout, or the gateway itself',
        ],
        bypass ??
          manualFix(
            "retry; if it recurs at the same moment, ask the network or Eliza team about an idle timeout (and check the client's own timeout setting)",
          ),
      );
    }
    case 'terminator':
      break;
  }

  const timesLine = timesLineOf(trace);
  const burst = burstOf(trace);
  const untimed = untimedByStalls(trace);
  // A second look counts only where it could be timed: one too stalled to judge neither flowed nor held.
  const secondTimed = second !== null && second.end === 'terminator' && !untimedByStalls(second);
  const secondUntimed = second !== null && second.end === 'terminator' && !secondTimed;
  const secondFlowed = secondTimed && burstOf(second) === null;
  const secondHeld = secondTimed && !secondFlowed;
  if (trace.encoding && !((burst || untimed) && secondHeld && !second.encoding)) {
    const fix = manualFix(
      'ask for uncompressed event streams: clients that let you set headers can send "Accept-Encoding: identity"; the server or proxy should not compress text/event-stream (Cache-Control: no-transform)',
    );
    const details = [`route: ${setting.route}`];
    if (second) {
      const flowed = `asked again with Accept-Encoding: identity, the events flowed (first after ${after(second.firstEventMs)}, all after ${after(second.lastEventMs)})`;
      details.unshift(
        secondFlowed
          ? burst
            ? `${flowed}: compression is what holds them`
            : flowed
          : secondUntimed
            ? 'asked again with Accept-Encoding: identity, that stream could not be timed either (this process was held as it came)'
            : `asked again with Accept-Encoding: identity, that stream ended ${second.end === 'terminator' ? 'held back as well' : `otherwise (${second.end})`}`,
      );
    }
    if (!burst && untimed) {
      const summary = `the stream came ${trace.encoding}-compressed; whether the encoder holds its events back could not be timed (this process was held as they came: ${timesLine}), and an encoder that buffers holds small events back`;
      return verdict('warn', 'STREAM_COMPRESSED', summary, details, fix);
    }
    if (!burst) {
      const summary = `the stream came ${trace.encoding}-compressed (the events still flowed: ${timesLine}); an encoder that buffers holds small events back`;
      return verdict('warn', 'STREAM_COMPRESSED', summary, details, fix);
    }
    const summary = `the stream came ${trace.encoding}-compressed and its ${burst.events} text events arrived together (${heldWords(burst)}, the last at ${after(trace.lastEventMs)}): the encoder held them back`;
    return verdict('fail', 'STREAM_COMPRESSED', summary, details, fix);
  }
  if (trace.encoding && second) {
    // Held back uncompressed as well: compression is not the cause, the route is.
    return judgeStream(second, setting);
  }
  if (!burst && second && untimed) {
    // This process was too busy to time the first stream: the second one is the evidence.
    return judgeStream(second, setting);
  }
  if (burst && secondFlowed) {
    return verdict(
      'pass',
      null,
      `${setting.model} streamed ${second.events} events: ${timesLineOf(second)}`,
      [
        `a first stream came all at once (${heldWords(burst)}), this one flowed: a moment when this machine was too busy to read, or a passing hiccup on the route; run again if clients stall`,
      ],
    );
  }
  if (burst) {
    const who = setting.viaProxy
      ? `${setting.route} holds the stream and releases it at once`
      : 'something on the direct route (a TLS-inspecting middlebox, or the gateway itself) holds the stream';
    return verdict(
      'fail',
      'STREAM_BUFFERED',
      `the ${burst.events} text events arrived together (${heldWords(burst)}), the last ${after(trace.lastEventMs)} after the request (headers at ${trace.headersMs} ms): ${who}; clients see nothing, then everything, or time out first`,
      [
        `events were read in ${trace.reads} network reads`,
        ...(secondHeld ? ['asked again, the stream came held back the same way'] : []),
        ...(secondUntimed
          ? ['asked again, that stream could not be timed (this process was held as it came)']
          : []),
      ],
      bypass ??
        manualFix(
          'report it to the Eliza team with these timings; a reverse proxy in front of the gateway needs buffering off for text/event-stream (X-Accel-Buffering: no)',
        ),
    );
  }
  if (untimed) {
    // Held as both looks came (or there was no second): the pacing is unknown, not good.
    const count = trace.contentEventTimes.length;
    return verdict(
      'warn',
      'STREAM_UNTIMED',
      `${setting.model} streamed ${trace.events} events (${timesLine}), but ${count - timedEvents(trace).length} of the ${count} with text were read as this process came out of a stall (up to ${trace.longestStallMs} ms): whether the route holds streams back could not be told`,
      [],
      manualFix('run the doctor again when this machine is less busy'),
    );
  }
  const judged =
    trace.contentEventTimes.length < MIN_EVENTS_TO_JUDGE
      ? [
          `only ${trace.contentEventTimes.length} events carried text: too few to tell whether the route holds streams back`,
        ]
      : [];
  return verdict('pass', null, `${setting.model} streamed ${trace.events} events: ${timesLine}`, judged);
}

function timesLineOf(trace: StreamTrace): string {
  const at = (ms: number | null) => (ms === null ? 'no event' : `${ms} ms`);
  return `first event after ${at(trace.firstEventMs)}, all ${trace.events} after ${at(trace.lastEventMs)}`;
}

function heldWords(burst: { spanMs: number; events: number; together: number }): string {
  return `${burst.together} of ${burst.events - 1} right after the one before, all within ${burst.spanMs} ms`;
}

/** The measurements and headers a user or the Eliza team needs, one per line. */
function factLines(trace: StreamTrace): string[] {
  const h = trace.headers;
  const sse = /event-stream/i.test(h['content-type'] ?? '');
  const framing = h['content-length']
    ? `content-length ${h['content-length']}${sse ? ' (a stream with a length was held whole)' : ''}`
    : h['transfer-encoding']
      ? `transfer-encoding ${h['transfer-encoding']}`
      : 'no content-length (HTTP/2 or a closing stream)';
  return [
    `wire: headers after ${trace.headersMs} ms, ${count(trace.events, 'event')} and ${count(trace.keepAlives, 'keep-alive')} in ${count(trace.reads, 'network read')} (${trace.bytes} bytes)`,
    `headers: content-type ${h['content-type'] ?? '(none)'}, content-encoding ${h['content-encoding'] ?? '(none)'}, ${framing}, cache-control ${h['cache-control'] ?? '(none)'}`,
  ];
}

function isWrapped(body: Buffer): boolean {
  try {
    return chatShape(JSON.parse(body.toString('utf8'))).kind === 'wrapped';
  } catch {
    return false;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
