/**
 * Server-sent events framing, as the WHATWG HTML standard parses an event stream ("Event stream
 * interpretation"): bytes decoded as UTF-8 with a leading BOM dropped, lines ended by CRLF, LF or
 * CR, `data:` lines joined with LF, `event:` and `id:` fields, `:` comments, an event dispatched at
 * a blank line, and whatever follows the last blank line dropped at the end of the stream.
 * Incremental and pure: the same bytes cut at any points give the same events.
 */

export interface SseEvent {
  /**
   * The `event:` field, or null when there was none (the standard's default type "message"):
   * the SDKs tell chat chunks (no name) from named events by exactly this.
   */
  type: string | null;
  data: string;
  /** The last event id seen so far, as the standard keeps it across events. */
  id: string;
}

export interface SseChunk {
  events: SseEvent[];
  /** Comment lines (`: ping`, `:keep-alive`): keep-alives that carry no event. */
  comments: number;
}

export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  /** An incomplete line carried over to the next chunk. */
  #line = '';
  /** The last chunk ended with CR: a LF at the start of the next one belongs to it. */
  #afterCr = false;
  #data: string[] = [];
  #type: string | null = null;
  #lastId = '';
  #ended = false;

  /** Feeds bytes; returns the events (and comments) completed by them. */
  push(bytes: Uint8Array): SseChunk {
    if (this.#ended) throw new Error('push after end');
    return this.#text(this.#decoder.decode(bytes, { stream: true }));
  }

  /** The end of the stream: a last line without its blank line is dropped, as the standard says. */
  end(): SseChunk {
    if (this.#ended) return { events: [], comments: 0 };
    const out = this.#text(this.#decoder.decode());
    this.#ended = true;
    this.#line = '';
    this.#data = [];
    this.#type = null;
    return out;
  }

  #text(text: string): SseChunk {
    const out: SseChunk = { events: [], comments: 0 };
    let start = 0;
    if (this.#afterCr && text.startsWith('\n')) start = 1;
    if (text.length > 0) this.#afterCr = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.#onLine(this.#line + text.slice(start, i), out);
      this.#line = '';
      if (c === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.#afterCr = true;
        }
      }
      start = i + 1;
    }
    this.#line += text.slice(start);
    return out;
  }

  #onLine(line: string, out: SseChunk): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.events.push({ type: this.#type, data: this.#data.join('\n'), id: this.#lastId });
      }
      this.#data = [];
      this.#type = null;
      return;
    }
    if (line.startsWith(':')) {
      out.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#type = value;
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
    // `retry:` only matters to a browser's reconnection; other fields are ignored by the standard.
  }
}

/** Every event of a whole body at once (tests, and bodies read in full). */
export function parseSse(chunks: Iterable<Uint8Array>): SseChunk {
  const parser = new SseParser();
  const all: SseChunk = { events: [], comments: 0 };
  const add = (chunk: SseChunk) => {
    all.events.push(...chunk.events);
    all.comments += chunk.comments;
  };
  for (const chunk of chunks) add(parser.push(chunk));
  add(parser.end());
  return all;
}
