import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createNet } from '../../src/net/index.ts';
import { type Scenario, SIM_HOST, simToken } from '../../src/sim/scenarios.ts';
import { startScenarioWorld } from '../../src/sim/world.ts';
import { pki } from '../helpers/cli.ts';

const RTT_MS = 80;

describe('wire timings of a request, the gateway 80 ms away', () => {
  it('the first request shows its own connect and TLS, a kept-alive one none; first byte is one round trip at least', async () => {
    const token = simToken();
    const scenario: Scenario = { name: 'test', description: 'test', expect: {}, behaviour: {} };
    const world = await startScenarioWorld(scenario, { pki: pki(), token, rttMs: RTT_MS });
    const net = createNet({
      timeoutMs: 5000,
      resolve: [{ host: SIM_HOST, port: world.gatewayPort, addresses: ['127.0.0.1'] }],
      env: {},
    });
    try {
      const ask = () =>
        net.request({
          url: `https://${SIM_HOST}:${world.gatewayPort}/v1/models`,
          headers: { authorization: `OAuth ${token}` },
          extraCa: pki().bundlePem,
          signal: new AbortController().signal,
        });
      const first = await ask();
      assert.ok(first.ok && first.status === 200);
      // undici hands the connection back to its pool a moment after the body ends; asked before
      // that, it opens another (models, after token's check has finished, is asked well after).
      await delay(50);
      const second = await ask();
      assert.ok(second.ok && second.status === 200);
      const [opened, reused] = [first.wire, second.wire];
      assert.ok(opened && reused, 'both requests were traced');
      // Lower bounds only: a loaded machine may be slower, never faster than the wire allows.
      assert.notEqual(opened.tcpMs, null);
      assert.ok(opened.tlsMs !== null && opened.tlsMs >= RTT_MS - 5, `TLS ${opened.tlsMs} ms`);
      assert.ok(opened.ttfbMs >= RTT_MS - 5, `first byte ${opened.ttfbMs} ms`);
      assert.equal(reused.tcpMs, null);
      assert.equal(reused.tlsMs, null);
      assert.ok(reused.ttfbMs >= RTT_MS - 5, `first byte ${reused.ttfbMs} ms`);
      // The first byte is the request's own: the connection's set-up is not in it.
      assert.ok(opened.ttfbMs < first.ttfbMs, `${opened.ttfbMs} vs ${first.ttfbMs} from the call`);
    } finally {
      await net.close();
      await world.close();
    }
  });
});
