import { reportBy } from '../src/engine/allowance.ts';
import { fail, usable } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { StreamFacts } from '../src/facts.ts';
import { suggestedNoProxy } from '../src/net/proxy.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { openAiChat } from '../src/stream/openai-chat.ts';
import { probeStream } from '../src/stream/probe.ts';
import { judgeStream, wantsSecondLook } from '../src/stream/verdict.ts';
import { failureReason, gatewayCode, gatewayHeaders } from './shared/gateway-call.ts';

export const streamCheck = defineCheck({
  id: 'stream',
  title: 'Streamed chat',
  needs: ['models'],
  reads: ['ca-bundle'],
  // As round-trip: a wasted request costs a few tokens, waiting for models in a row costs time.
  startEarly: true,
  network: true,
  http: true,
  async run(ctx) {
    const { config } = ctx;
    const doneBy = reportBy(ctx.boundAt);
    const api = openAiChat;
    const data: StreamFacts = {
      api: api.name,
      path: api.path,
      model: config.model,
      status: null,
      stream: null,
      end: null,
      headers: null,
    };
    const bundle = await ctx.result('ca-bundle');
    const probeWith = (acceptEncoding?: string) =>
      probeStream({
        net: ctx.net,
        baseUrl: config.target.baseUrl,
        api,
        model: config.model,
        headers: gatewayHeaders(ctx),
        extraCa: usable(bundle) ? (bundle.data.pem ?? '') : '',
        signal: ctx.signal,
        idleMs: config.timeoutMs,
        doneBy,
        ...(acceptEncoding ? { acceptEncoding } : {}),
      });
    const probe = await probeWith();
    if (!probe.ok) {
      return fail(
        gatewayCode(probe.failure),
        `POST ${api.path} (streaming): ${failureReason(probe.failure, config.timeoutMs)}`,
        { data },
      );
    }
    const trace = probe.trace;
    const h = trace.headers;
    data.status = trace.status;
    data.end = trace.end;
    data.headers = {
      contentType: h['content-type'] ?? null,
      contentEncoding: h['content-encoding'] ?? null,
      transferEncoding: h['transfer-encoding'] ?? null,
      contentLength: h['content-length'] ?? null,
      cacheControl: h['cache-control'] ?? null,
    };
    if (trace.end !== 'status' && trace.end !== 'not-sse') {
      data.stream = {
        headersMs: trace.headersMs,
        firstEventMs: trace.firstEventMs,
        lastEventMs: trace.lastEventMs,
        events: trace.events,
        reads: trace.reads,
        encoding: trace.encoding,
        terminated: trace.end === 'terminator',
      };
    }
    const again = wantsSecondLook(trace) ? await probeWith(trace.encoding ? 'identity' : undefined) : null;
    const route = gatewayRoute(ctx);
    const verdict = judgeStream(
      trace,
      {
        api,
        model: config.model,
        route: route.description,
        viaProxy: route.via !== undefined,
        noProxy: suggestedNoProxy(config.target.host, ctx.host.env),
      },
      again?.ok ? again.trace : null,
    );
    return { ...verdict, data };
  },
});
