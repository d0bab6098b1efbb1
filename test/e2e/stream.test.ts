import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createNet } from '../../src/net/index.ts';
import type { StreamBehaviour } from '../../src/sim/gateway.ts';
import { type Scenario, SIM_HOST, simToken } from '../../src/sim/scenarios.ts';
import { startScenarioWorld } from '../../src/sim/world.ts';
import { anthropicMessages } from '../../src/stream/anthropic-messages.ts';
import { openAiChat } from '../../src/stream/openai-chat.ts';
import { openAiResponses } from '../../src/stream/openai-responses.ts';
import { probeStream } from '../../src/stream/probe.ts';
import { burstOf, judgeStream, untimedByStalls, wantsSecondLook } from '../../src/stream/verdict.ts';
import type { WireApi } from '../../src/stream/wire.ts';
import { pki } from '../helpers/cli.ts';

const APIS = [openAiChat, anthropicMessages, openAiResponses];

/** One streamed request to a loopback gateway (through its proxy, if the scenario has one), judged. */
async function streamOnce(
  api: WireApi,
  options: { stream?: Partial<StreamBehaviour>; proxy?: Scenario['proxy']; idleMs?: number } = {},
) {
  const token = simToken();
  const scenario: Scenario = {
    name: 'test',
    description: 'test',
    expect: {},
    behaviour: { stream: { gapMs: 15, thinkMs: 0, fault: 'none', ...options.stream } },
    ...(options.proxy ? { proxy: options.proxy } : {}),
  };
  const world = await startScenarioWorld(scenario, { pki: pki(), token });
  const env: Record<string, string> = world.proxy ? { HTTPS_PROXY: world.proxy.url } : {};
  const idleMs = options.idleMs ?? 5000;
  const net = createNet({
    timeoutMs: idleMs,
    resolve: [{ host: SIM_HOST, port: world.sim.port, addresses: ['127.0.0.1'] }],
    env,
  });
  const started = performance.now();
  try {
    const probe = await probeStream({
      net,
      baseUrl: `https://${SIM_HOST}:${world.sim.port}`,
      api,
      model: 'gpt-5-mini',
      headers: { authorization: `OAuth ${token}` },
      extraCa: pki().bundlePem,
      signal: new AbortController().signal,
      idleMs,
    });
    assert.ok(probe.ok, 'the stream began');
    const verdict = judgeStream(probe.trace, {
      api,
      model: 'gpt-5-mini',
      route: world.proxy ? `the proxy ${world.proxy.url} (HTTPS_PROXY)` : 'direct',
      viaProxy: world.proxy !== null,
      noProxy: '.yandex.net',
    });
    const seen = world.sim.requests.at(-1)!;
    return { trace: probe.trace, verdict, ms: performance.now() - started, sent: seen.headers };
  } finally {
    await net.close();
    await world.close();
  }
}

describe('the stream probe against the loopback gateway, for every wire API', { concurrency: 3 }, () => {
  for (const api of APIS) {
    it(`${api.name}: a healthy stream ends on its terminator with every event read`, async () => {
      const { trace, verdict, sent } = await streamOnce(api);
      assert.equal(trace.end, 'terminator');
      assert.equal(trace.contentEventTimes.length, 20);
      assert.equal(verdict.status, 'pass');
      assert.equal(sent['accept-encoding'], 'br, gzip, deflate', 'as fetch asks');
    });

    it(`${api.name}: each fault gives its code`, async () => {
      const code = async (fault: StreamBehaviour['fault']) =>
        (await streamOnce(api, { stream: { fault } })).verdict.code;
      assert.equal(await code('cut'), 'STREAM_CUT');
      assert.equal(await code('error-event'), 'STREAM_ERROR_EVENT');
      assert.equal(await code('malformed'), 'STREAM_MALFORMED');
      assert.equal(await code('gzip'), 'STREAM_COMPRESSED');
      assert.equal(await code('not-sse'), 'STREAM_NOT_SSE');
    });
  }

  it('a stalled stream ends within the idle bound', async () => {
    const { verdict, ms } = await streamOnce(openAiChat, { stream: { fault: 'stall' }, idleMs: 400 });
    assert.equal(verdict.code, 'STREAM_STALLED');
    assert.ok(ms < 3000, `ended after ${Math.round(ms)} ms`);
  });

  it('a proxy that holds the stream is told apart from a slow model behind a proxy that does not', async () => {
    const held = await streamOnce(anthropicMessages, { proxy: { holdMs: 150 } });
    assert.equal(held.verdict.code, 'STREAM_BUFFERED');
    assert.match(held.verdict.summary, /HTTPS_PROXY/, 'names the proxy');
    const slow = await streamOnce(anthropicMessages, { proxy: {}, stream: { thinkMs: 600 } });
    assert.equal(slow.verdict.status, 'pass');
    assert.ok(
      slow.trace.contentEventTimes[0]! - slow.trace.headersMs >= 500,
      'the wait came before the events',
    );
  });
});

describe('a stream read while this thread is held (another check building a TLS context, say)', () => {
  it("is not called buffered: its times are not the route's, and a second look decides", async () => {
    const token = simToken();
    const behaviour = { stream: { gapMs: 15, thinkMs: 0, fault: 'none' } };
    // The gateway on a thread of its own: in this one, it would be held too and send nothing.
    const script = new URL('../helpers/sim-thread.ts', import.meta.url).href;
    const thread = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`,
      { eval: true, workerData: { token, behaviour } },
    );
    const { port, bundlePem } = await new Promise<{ port: number; bundlePem: string }>((resolve, reject) => {
      thread.once('message', resolve);
      thread.once('error', reject);
    });
    const net = createNet({
      timeoutMs: 5000,
      resolve: [{ host: SIM_HOST, port, addresses: ['127.0.0.1'] }],
      env: {},
    });
    // As the headers arrive, this thread is held for longer than the 20 events take to come.
    const held: typeof net = {
      ...net,
      stream: async (request) => {
        const answer = await net.stream(request);
        setImmediate(() => {
          const until = performance.now() + 800;
          while (performance.now() < until);
        });
        return answer;
      },
    };
    try {
      const options = {
        baseUrl: `https://${SIM_HOST}:${port}`,
        api: openAiChat,
        model: 'gpt-5-mini',
        headers: { authorization: `OAuth ${token}` },
        extraCa: bundlePem,
        signal: new AbortController().signal,
        idleMs: 5000,
      };
      const probe = await probeStream({ ...options, net: held });
      assert.ok(probe.ok);
      const { trace } = probe;
      assert.equal(trace.end, 'terminator');
      // As read, the events came together: were they taken as timed, the route would be blamed.
      const context = JSON.stringify([trace.contentEventTimes, trace.contentEventHeld, trace.longestStallMs]);
      assert.notEqual(
        burstOf({ ...trace, contentEventHeld: trace.contentEventHeld.map(() => false) }),
        null,
        context,
      );
      assert.ok(untimedByStalls(trace), context);
      assert.ok(wantsSecondLook(trace));
      const setting = {
        api: openAiChat,
        model: 'gpt-5-mini',
        route: 'direct',
        viaProxy: false,
        noProxy: '.yandex.net',
      };
      assert.equal(judgeStream(trace, setting).code, 'STREAM_UNTIMED');
      // Asked again with the thread free, the events flow.
      const again = await probeStream({ ...options, net });
      assert.ok(again.ok);
      assert.equal(judgeStream(trace, setting, again.trace).status, 'pass');
    } finally {
      await net.close();
      thread.postMessage('close');
      await new Promise((resolve) => thread.once('exit', resolve));
    }
  });
});
