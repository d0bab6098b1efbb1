import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LatencyRelayOptions {
  /** Where every accepted connection is forwarded. */
  target: { host: string; port: number };
  /** Round trip added to every connection: half of it on each direction. */
  rttMs: number;
  /** Bytes held per direction before the sender is paused (default 1 MiB). */
  bufferBytes?: number;
}

export interface LatencyRelay {
  host: '127.0.0.1';
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP relay on loopback that puts its target "far away": every chunk (and every end) is handed
 * on half a round trip after it arrived, in order. The kernel accepts the client's connection at
 * once, so a client's connect time stays near zero; every byte after that pays the delay, as TLS
 * handshakes and requests do over a long link. Tests and `npm run bench` run the gateway behind it.
 */
export async function startLatencyRelay(options: LatencyRelayOptions): Promise<LatencyRelay> {
  const oneWayMs = Math.max(0, options.rttMs / 2);
  const limit = options.bufferBytes ?? 1024 * 1024;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Either side failing ends the pair (below); the error itself is the peer's business.
    socket.on('error', () => undefined);
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const upstream = net.connect({
      host: options.target.host,
      port: options.target.port,
      allowHalfOpen: true,
    });
    track(upstream);
    const up = delayedPipe(client, upstream, oneWayMs, limit);
    const down = delayedPipe(upstream, client, oneWayMs, limit);
    const closePair = () => {
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
    };
    // A side that closed after a clean end still has its last bytes on the way: the other side
    // closes once they are delivered. A reset or failure is passed on at once.
    client.once('close', (hadError) => (hadError ? closePair() : up.whenFlushed(closePair)));
    upstream.once('close', (hadError) => (hadError ? closePair() : down.whenFlushed(closePair)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * One direction: what `from` sends reaches `to` `delayMs` later, chunk by chunk in arrival order,
 * its end too. `from` is paused while more than `limit` bytes wait (held here or in `to`'s
 * write buffer), so a fast sender meets a slow receiver with bounded memory.
 */
function delayedPipe(
  from: net.Socket,
  to: net.Socket,
  delayMs: number,
  limit: number,
): { stop(): void; whenFlushed(then: () => void): void } {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let flushed: (() => void)[] = [];
  let held = 0;
  let timer: NodeJS.Timeout | undefined;
  const full = () => held + to.writableLength > limit;
  const resumeIfRoom = () => {
    if (!full() && from.isPaused()) from.resume();
  };
  const deliver = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) {
        to.end();
      } else {
        held -= chunk.length;
        to.write(chunk);
      }
    }
    resumeIfRoom();
    schedule();
    if (queue.length === 0) {
      const waiting = flushed;
      flushed = [];
      for (const then of waiting) then();
    }
  };
  const schedule = () => {
    if (timer !== undefined || queue.length === 0) return;
    timer = setTimeout(deliver, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: performance.now() + delayMs, chunk });
    held += chunk.length;
    if (full()) from.pause();
    schedule();
  });
  from.on('end', () => {
    queue.push({ at: performance.now() + delayMs, chunk: null });
    schedule();
  });
  to.on('drain', resumeIfRoom);
  return {
    stop() {
      clearTimeout(timer);
      queue.length = 0;
      held = 0;
      flushed = [];
    },
    whenFlushed(then) {
      if (queue.length === 0) then();
      else flushed.push(then);
    },
  };
}
