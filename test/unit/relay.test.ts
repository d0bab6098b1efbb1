import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { startLatencyRelay } from '../../src/sim/relay.ts';

async function echoServer(): Promise<{ port: number; server: net.Server; closeAll(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    closeAll() {
      for (const s of sockets) s.destroy();
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Reads until `length` bytes came, or the socket ended. */
function readBytes(socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = () => {
      socket.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= length) done();
    };
    socket.on('data', onData);
    socket.once('end', done);
    socket.once('error', reject);
  });
}

describe('latency relay', async () => {
  const echo = await echoServer();
  after(() => {
    echo.closeAll();
    echo.server.close();
  });

  it('adds about the set round trip to a round trip', async () => {
    const relay = await startLatencyRelay({ target: { host: '127.0.0.1', port: echo.port }, rttMs: 80 });
    try {
      const socket = await connect(relay.port);
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        socket.write('ping');
        assert.equal((await readBytes(socket, 4)).toString(), 'ping');
        // A lower bound only: a loaded machine may take longer, never shorter.
        assert.ok(performance.now() - started >= 75, `round trip took ${performance.now() - started} ms`);
      }
      socket.destroy();
    } finally {
      await relay.close();
    }
  });

  it('passes bytes intact and in order, past its buffer bound', async () => {
    const relay = await startLatencyRelay({
      target: { host: '127.0.0.1', port: echo.port },
      rttMs: 10,
      bufferBytes: 16 * 1024,
    });
    try {
      const socket = await connect(relay.port);
      const sent = randomBytes(2 * 1024 * 1024);
      const reading = readBytes(socket, sent.length);
      // Many small writes: order across chunks matters, not just within one.
      for (let at = 0; at < sent.length; at += 4096) socket.write(sent.subarray(at, at + 4096));
      const got = await reading;
      assert.equal(got.length, sent.length);
      assert.ok(got.equals(sent));
      socket.destroy();
    } finally {
      await relay.close();
    }
  });

  it('delivers the last bytes before an end, then closes both sides', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.end('last words');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = await startLatencyRelay({
      target: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      rttMs: 40,
    });
    try {
      const socket = await connect(relay.port);
      const closed = once(socket, 'close');
      assert.equal((await readBytes(socket, Number.POSITIVE_INFINITY)).toString(), 'last words');
      await closed;
      assert.equal(sockets.length, 1);
      if (!sockets[0]!.closed) await once(sockets[0]!, 'close');
    } finally {
      await relay.close();
      server.close();
    }
  });

  it('close() ends the connections it carries', async () => {
    const relay = await startLatencyRelay({ target: { host: '127.0.0.1', port: echo.port }, rttMs: 20 });
    const socket = await connect(relay.port);
    socket.on('error', () => undefined);
    socket.write('hello');
    assert.equal((await readBytes(socket, 5)).toString(), 'hello');
    const closed = once(socket, 'close');
    await relay.close();
    await closed;
    assert.ok(socket.destroyed);
  });

  it('a refused target closes the client', async () => {
    const closedServer = net.createServer();
    await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise((resolve) => closedServer.close(resolve));
    const relay = await startLatencyRelay({ target: { host: '127.0.0.1', port }, rttMs: 20 });
    try {
      const socket = await connect(relay.port);
      socket.on('error', () => undefined);
      await once(socket, 'close');
    } finally {
      await relay.close();
    }
  });
});
