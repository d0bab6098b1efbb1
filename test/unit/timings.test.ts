import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { tlsProbe } from '../../src/net/tls-probe.ts';
import { createSimPki } from '../../src/sim/pki.ts';
import { SIM_HOST } from '../../src/sim/scenarios.ts';
import { slowOnTheWire, slowPhases, type Timings } from '../../src/timings.ts';

const timings = (tcpMs: number, tlsMs: number): Timings => ({
  dnsMs: null,
  tcpMs,
  tlsMs,
  ttfbMs: null,
  totalMs: tcpMs + tlsMs,
});

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
    const pki = createSimPki();
    const server = tls.createServer({ cert: pki.leaf.pem, key: pki.leaf.keyPem }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
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
