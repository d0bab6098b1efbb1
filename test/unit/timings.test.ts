import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { createNet } from '../../src/net/index.ts';
import { MATCHES_NOTHING_CA, tlsProbe } from '../../src/net/tls-probe.ts';
import { releaseWireWorker, stopWireWorker, workerTlsProbe } from '../../src/net/wire-worker.ts';
import { createSimPki } from '../../src/sim/pki.ts';
import { closedPort } from '../../src/sim/ports.ts';
import { SIM_HOST } from '../../src/sim/scenarios.ts';
import { slowOnTheWire, slowPhases, type Timings } from '../../src/timings.ts';

const timings = (tcpMs: number, tlsMs: number): Timings => ({
  dnsMs: null,
  tcpMs,
  tlsMs,
  ttfbMs: null,
  totalMs: tcpMs + tlsMs,
});

/** A TLS server on loopback that presents the sim's leaf alone and hangs up. */
async function leafServer(): Promise<{ port: number; server: tls.Server }> {
  const pki = createSimPki();
  const server = tls.createServer({ cert: pki.leaf.pem, key: pki.leaf.keyPem }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('slow phases: the network, not the process', () => {
  it('a handshake slow only with the process busy in it is not slow on the wire', () => {
    const t = timings(10, 1800);
    assert.deepEqual(slowPhases(t), ['TLS handshake 1800 ms']);
    assert.deepEqual(slowOnTheWire(t, 400), []);
  });

  it('a handshake slow even without the busy time is, and is given as measured', () => {
    assert.deepEqual(slowOnTheWire(timings(1200, 2600), 300), ['TLS handshake 2600 ms']);
    assert.deepEqual(slowOnTheWire(timings(1200, 2600), 0), ['connect 1200 ms', 'TLS handshake 2600 ms']);
  });
});

describe('tls probe: event-loop delay during the handshake', () => {
  it('says how long the process held its own loop while the handshake ran', async () => {
    const { port, server } = await leafServer();
    try {
      const probe = (block: boolean) => {
        const running = tlsProbe(
          { address: '127.0.0.1', port, host: SIM_HOST, trust: { kind: 'presented-only' } },
          AbortSignal.timeout(5000),
        );
        // The thread busy with something else (another callback) while the handshake is under way.
        if (block)
          setImmediate(() => {
            const until = performance.now() + 80;
            while (performance.now() < until);
          });
        return running;
      };
      const busy = await probe(true);
      assert.ok(busy.ok);
      assert.ok(busy.busyMs >= 40, `busyMs ${busy.busyMs} after an 80 ms block`);
      assert.ok(busy.busyMs <= busy.tcpMs + busy.tlsMs + 20, 'no more than the handshake lasted');
    } finally {
      server.close();
    }
  });
});

describe('the wire thread: the handshake whose times are reported', () => {
  it('times connect and TLS on its own thread, whatever blocks this one', async () => {
    const pki = createSimPki();
    // The server in a process of its own: blocking this thread must not hold up its side.
    const server = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('node:tls').createServer({ cert: process.env.CERT, key: process.env.KEY }, (c) => c.end()); s.listen(0, '127.0.0.1', () => console.log(s.address().port));",
      ],
      { env: { CERT: pki.leaf.pem, KEY: pki.leaf.keyPem }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const port = Number(
        await new Promise<string>((resolve) => server.stdout.once('data', (d) => resolve(String(d)))),
      );
      const target = { address: '127.0.0.1', port, servername: SIM_HOST, ca: MATCHES_NOTHING_CA };
      await workerTlsProbe(target, AbortSignal.timeout(5000)); // the thread booted
      const running = workerTlsProbe(target, AbortSignal.timeout(5000));
      const until = performance.now() + 150;
      while (performance.now() < until);
      const probe = await running;
      assert.ok(probe.ok);
      assert.ok(probe.tcpMs + probe.tlsMs < 100, `connect ${probe.tcpMs} ms, TLS ${probe.tlsMs} ms`);
      assert.equal(probe.authorized, false);
      assert.equal(probe.chain.length, 1, 'the leaf alone, as this server presents it');
      assert.equal(
        probe.chain[0]!.toString('base64'),
        new X509Certificate(pki.leaf.pem).raw.toString('base64'),
      );
    } finally {
      server.kill();
      stopWireWorker();
    }
  });

  it('released while a handshake is under way, the thread finishes it first', async () => {
    const { port, server } = await leafServer();
    try {
      const target = { address: '127.0.0.1', port, servername: SIM_HOST, ca: MATCHES_NOTHING_CA };
      const running = workerTlsProbe(target, AbortSignal.timeout(5000));
      releaseWireWorker();
      const probe = await running;
      assert.ok(probe.ok, JSON.stringify(probe));
      // A later one gets a thread of its own.
      assert.ok((await workerTlsProbe(target, AbortSignal.timeout(5000))).ok);
    } finally {
      server.close();
      stopWireWorker();
    }
  });

  it('a run that times no handshake ends the thread the launcher started for it', async () => {
    const key = Symbol.for('eliza-doctor.wire-thread');
    const launched = new Worker('setInterval(() => {}, 1000)', { eval: true });
    const exited = new Promise((resolve) => launched.once('exit', resolve));
    (globalThis as Record<symbol, unknown>)[key] = launched;
    const net = createNet({ timeoutMs: 1000, resolve: [], env: {} });
    await exited;
    assert.equal((globalThis as Record<symbol, unknown>)[key], undefined);
    await net.close();
  });

  it('says why a handshake failed, and stops when told to', async () => {
    const refused = await workerTlsProbe(
      { address: '127.0.0.1', port: await closedPort(), servername: SIM_HOST, ca: MATCHES_NOTHING_CA },
      AbortSignal.timeout(5000),
    );
    assert.ok(!refused.ok && refused.failure.cause === 'ECONNREFUSED', JSON.stringify(refused));
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const stalled = await workerTlsProbe(
        { address: '127.0.0.1', port, servername: SIM_HOST, ca: MATCHES_NOTHING_CA },
        AbortSignal.timeout(200),
      );
      assert.ok(!stalled.ok && stalled.failure.kind === 'timeout', JSON.stringify(stalled));
    } finally {
      silent.close();
      stopWireWorker();
    }
  });
});
