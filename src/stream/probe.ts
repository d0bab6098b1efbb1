/**
 * One streamed answer, read as an SDK reads it and measured on the wire: when the headers, the
 * first and the last event arrived, how many network reads carried them, how it ended. Shared by
 * every wire API (the parser of each says what an event means) and kept free of verdicts
 * (src/stream/verdict.ts judges the trace).
 */
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import type { NetFailure } from '../net/errors.ts';
import { classifyError } from '../net/errors.ts';
import type { Net } from '../net/index.ts';
import { type Stall, threadWasHeld, watchStalls } from '../stalls.ts';
import { SseParser } from './sse.ts';
import type { WireApi } from './wire.ts';

/**
 * What undici's fetch sends on https, so what openai-node and the Anthropic SDK send: a stream is
 * seen as they see it, compression included (undici lib/web/fetch/index.js).
 */
export const CLIENT_ACCEPT_ENCODING = 'br, gzip, deflate';
/** Far beyond any answer to the probe's request: reading stops there. */
const MAX_STREAM_BYTES = 1024 * 1024;
/** Enough of a body that is not an event stream (or an error) to judge and quote it. */
const MAX_OTHER_BYTES = 64 * 1024;

export type StreamEnd =
  /** The wire API's terminator arrived. */
  | 'terminator'
  /** The server closed the stream cleanly before the terminator. */
  | 'closed'
  /** The connection broke (reset, closed mid-chunk) before the terminator. */
  | 'reset'
  /** Nothing arrived for idleMs. */
  | 'stalled'
  | 'error-event'
  | 'malformed'
  /** A 2xx that is not text/event-stream; `body` holds its start. */
  | 'not-sse'
  /** Not a 2xx; `body` holds its start. */
  | 'status'
  | 'too-large';

export interface StreamTrace {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Each ms is counted from the start of the request. */
  headersMs: number;
  firstEventMs: number | null;
  lastEventMs: number | null;
  /** Events the SDK yields (or ends on): pings and comments are not counted. */
  events: number;
  /** When each event that carried generated text arrived. */
  contentEventTimes: number[];
  /**
   * For each of those, whether it was read as this process's thread came out of a stall
   * (src/stalls.ts): its time is when the thread got free, not the route's.
   */
  contentEventHeld: boolean[];
  /** The longest stall of the thread while the stream was read (ms). */
  longestStallMs: number;
  /** `: comment` lines and ping events. */
  keepAlives: number;
  /** Network reads of the body (each a chunk as the socket delivered it). */
  reads: number;
  /** When the last read arrived. */
  lastReadMs: number | null;
  /** Bytes as they came over the wire (compressed, if they were). */
  bytes: number;
  /** `content-encoding`, when not identity. */
  encoding: string | null;
  end: StreamEnd;
  /** For 'stalled': how long nothing had come (else the bound it would have waited). */
  idleMs: number;
  /** The error event's type and message, for end 'error-event'. */
  error: { type: string | null; message: string | null } | null;
  /** What was wrong, for 'malformed', 'reset' and 'too-large'. */
  problem: string | null;
  /** The body's start, for 'not-sse' and 'status'. */
  body: Buffer | null;
}

export type StreamProbe = { ok: true; trace: StreamTrace } | { ok: false; failure: NetFailure; ms: number };

export interface StreamProbeOptions {
  net: Pick<Net, 'stream'>;
  baseUrl: string;
  api: WireApi;
  model: string;
  /** Authorization and the like; accept, content-type and accept-encoding are the probe's. */
  headers: Record<string, string>;
  extraCa: string;
  /** Trust extraCa alone (a client's own list), never the bundled roots with it. */
  extraCaOnly?: boolean;
  signal: AbortSignal;
  /** No read for this long: the stream is stalled. */
  idleMs: number;
  /**
   * A moment (performance.now()) by which the probe must be done, whatever idleMs says: the
   * calling check's own bound, so that a stall is reported as one rather than cut by that bound.
   */
  doneBy?: number;
  acceptEncoding?: string;
}

export async function probeStream(options: StreamProbeOptions): Promise<StreamProbe> {
  const stopWatching = watchStalls();
  try {
    return await probe(options, stopWatching);
  } finally {
    stopWatching();
  }
}

async function probe(options: StreamProbeOptions, stopWatching: () => Stall[]): Promise<StreamProbe> {
  const started = performance.now();
  const at = () => Math.round(performance.now() - started);
  const waitMs = () =>
    Math.max(1, Math.min(options.idleMs, Math.round((options.doneBy ?? Infinity) - performance.now())));
  const answer = await options.net.stream({
    url: `${options.baseUrl}${options.api.path}`,
    method: 'POST',
    headers: {
      ...options.headers,
      accept: 'text/event-stream',
      'accept-encoding': options.acceptEncoding ?? CLIENT_ACCEPT_ENCODING,
      'content-type': 'application/json',
    },
    body: JSON.stringify(options.api.request(options.model)),
    extraCa: options.extraCa,
    ...(options.extraCaOnly ? { extraCaOnly: true } : {}),
    signal: options.signal,
    timeoutMs: waitMs(),
  });
  if (!answer.ok) return answer;
  const encodingHeader = (answer.headers['content-encoding'] ?? '').trim().toLowerCase();
  const trace: StreamTrace = {
    status: answer.status,
    headers: answer.headers,
    headersMs: answer.headersMs,
    firstEventMs: null,
    lastEventMs: null,
    events: 0,
    contentEventTimes: [],
    contentEventHeld: [],
    longestStallMs: 0,
    keepAlives: 0,
    reads: 0,
    lastReadMs: null,
    bytes: 0,
    encoding: encodingHeader && encodingHeader !== 'identity' ? encodingHeader : null,
    end: 'closed',
    idleMs: options.idleMs,
    error: null,
    problem: null,
    body: null,
  };
  const is2xx = answer.status >= 200 && answer.status < 300;
  const isSse = /^\s*text\/event-stream\b/i.test(answer.headers['content-type'] ?? '');
  const whole = !is2xx || !isSse;
  const decoder = trace.encoding ? new Decompressor(trace.encoding) : null;
  const parser = new SseParser();
  const kept: Buffer[] = [];
  let keptBytes = 0;

  /** Takes one network read; true when the stream is settled and reading stops. */
  const onRead = (bytes: Buffer, atMs: number, held: boolean): boolean => {
    trace.reads++;
    trace.lastReadMs = atMs;
    trace.bytes += bytes.length;
    if (!whole && trace.bytes > MAX_STREAM_BYTES) {
      trace.end = 'too-large';
      trace.problem = `more than ${MAX_STREAM_BYTES} bytes for a short answer`;
      return true;
    }
    let plain: Buffer = bytes;
    if (decoder) {
      const decoded = decoder.push(bytes);
      if (!decoded.ok) {
        trace.end = 'malformed';
        trace.problem = decoded.problem;
        return true;
      }
      plain = decoded.bytes;
    }
    if (whole) {
      kept.push(plain);
      keptBytes += plain.length;
      return keptBytes >= MAX_OTHER_BYTES;
    }
    return onText(parser.push(plain), atMs, held);
  };

  const onText = (chunk: ReturnType<SseParser['push']>, atMs: number, held: boolean): boolean => {
    trace.keepAlives += chunk.comments;
    for (const event of chunk.events) {
      const meaning = options.api.meaning(event);
      if (meaning.kind === 'ping') {
        trace.keepAlives++;
        continue;
      }
      trace.events++;
      trace.firstEventMs ??= atMs;
      trace.lastEventMs = atMs;
      if (meaning.kind === 'event') {
        if (meaning.content) {
          trace.contentEventTimes.push(atMs);
          trace.contentEventHeld.push(held);
        }
        continue;
      }
      if (meaning.kind === 'end') trace.end = 'terminator';
      if (meaning.kind === 'error') {
        trace.end = 'error-event';
        trace.error = { type: meaning.type, message: meaning.message };
      }
      if (meaning.kind === 'malformed') {
        trace.end = 'malformed';
        trace.problem = meaning.reason;
      }
      // What follows the terminator or an error is not read by an SDK either.
      return true;
    }
    return false;
  };

  const iterator = answer.reads[Symbol.asyncIterator]();
  let settled = false;
  try {
    while (!settled) {
      const next = await nextWithin(iterator, waitMs());
      if (next === 'idle') {
        trace.end = 'stalled';
        trace.idleMs = at() - (trace.lastReadMs ?? trace.headersMs);
        break;
      }
      if (next.done) {
        if (decoder && !whole) {
          const rest = decoder.end();
          if (!rest.ok) {
            trace.end = 'malformed';
            trace.problem = rest.problem;
            break;
          }
          if (onText(parser.push(rest.bytes), at(), threadWasHeld())) break;
        }
        if (!whole && onText(parser.end(), at(), threadWasHeld())) break;
        if (!whole) trace.end = 'closed';
        break;
      }
      settled = onRead(next.value.bytes, next.value.atMs, next.value.held);
    }
  } catch (error) {
    const failure = classifyError(error);
    // undici's own per-read bound (bodyTimeout) is the same stall, seen from its side.
    trace.end = failure.kind === 'timeout' ? 'stalled' : 'reset';
    if (trace.end === 'stalled') trace.idleMs = at() - (trace.lastReadMs ?? trace.headersMs);
    else trace.problem = `${failure.cause}: ${failure.message}`;
  } finally {
    answer.cancel();
  }
  trace.longestStallMs = Math.round(Math.max(0, ...stopWatching().map((stall) => stall.to - stall.from)));
  if (whole) {
    trace.body = Buffer.concat(kept).subarray(0, MAX_OTHER_BYTES);
    if (trace.end === 'closed' || trace.end === 'stalled' || !isSse || !is2xx) {
      trace.end = is2xx ? 'not-sse' : 'status';
    }
  }
  return { ok: true, trace };
}

/** The next read, or 'idle' when none comes within ms. The timer never holds the process. */
function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | 'idle'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('idle'), ms);
    timer.unref();
    iterator.next().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Undoes a content-encoding read by read, as fetch does for the SDKs: the bytes so far are
 * decompressed again at each read and the new part handed on (a short answer: cheap, and it keeps
 * every event on the read that brought it).
 */
export class Decompressor {
  readonly #decompress: ((input: Buffer, last: boolean) => Buffer) | null;
  readonly #encoding: string;
  #input = Buffer.alloc(0);
  #seen = 0;

  constructor(encoding: string) {
    this.#encoding = encoding;
    const z = zlib.constants;
    const partial = { finishFlush: z.Z_SYNC_FLUSH };
    this.#decompress =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? (input, last) => zlib.gunzipSync(input, last ? {} : partial)
        : encoding === 'deflate'
          ? (input, last) => zlib.inflateSync(input, last ? {} : partial)
          : encoding === 'br'
            ? (input, last) =>
                zlib.brotliDecompressSync(input, last ? {} : { finishFlush: z.BROTLI_OPERATION_FLUSH })
            : null;
  }

  push(bytes: Buffer): { ok: true; bytes: Buffer } | { ok: false; problem: string } {
    this.#input = Buffer.concat([this.#input, bytes]);
    return this.#run(false);
  }

  end(): { ok: true; bytes: Buffer } | { ok: false; problem: string } {
    return this.#input.length === 0 ? { ok: true, bytes: Buffer.alloc(0) } : this.#run(true);
  }

  #run(last: boolean): { ok: true; bytes: Buffer } | { ok: false; problem: string } {
    if (!this.#decompress) {
      return { ok: false, problem: `the stream is encoded as "${this.#encoding}", which no SDK decodes` };
    }
    try {
      const out = this.#decompress(this.#input, last);
      const fresh = out.subarray(this.#seen);
      this.#seen = out.length;
      return { ok: true, bytes: Buffer.from(fresh) };
    } catch (error) {
      if (last) return { ok: true, bytes: Buffer.alloc(0) };
      return {
        ok: false,
        problem: `the ${this.#encoding} stream does not decompress (${(error as Error).message})`,
      };
    }
  }
}
