import { chatProblem, chatShape, jsonPreview, RAW_OPENAI_PATH } from '../src/eliza/answers.ts';
import { fail, pass } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { RoundTripFacts } from '../src/facts.ts';
import { timingLine } from '../src/timings.ts';
import { callGateway, gatewayCallFix } from './shared/gateway-call.ts';

export const roundTripCheck = defineCheck({
  id: 'round-trip',
  title: 'Chat round trip',
  needs: ['models'],
  reads: ['ca-bundle'],
  startEarly: true,
  network: true,
  http: true,
  async run(ctx) {
    const model = ctx.config.model;
    const path = `${RAW_OPENAI_PATH}/chat/completions`;
    const data: RoundTripFacts = { model, status: null, timings: null, finishReason: null };
    const call = await callGateway(ctx, {
      method: 'POST',
      path,
      // The smallest useful request: one short message, a small output limit (cost: a few tokens).
      body: {
        model,
        messages: [{ role: 'user', content: 'Reply with one word: pong' }],
        max_completion_tokens: 16,
      },
    });
    if (!call.ok)
      return fail(call.code, call.summary, { details: call.details, data, fix: gatewayCallFix(call.code) });
    data.status = call.answer.status;
    // The request's own phases on the wire: its connection's set-up only if it opened one (a
    // kept-alive connection has none to show), and the first byte from when the request went out.
    const wire = call.answer.wire;
    data.timings = {
      dnsMs: null,
      tcpMs: wire?.tcpMs ?? null,
      tlsMs: wire?.tlsMs ?? null,
      ttfbMs: wire?.ttfbMs ?? call.answer.ttfbMs,
      totalMs: call.answer.totalMs,
    };
    if (!call.parsed.ok) {
      const p = chatProblem(call.answer, path, model) ?? call.parsed.problem;
      return fail(p.code, p.summary, { details: p.details, data, fix: gatewayCallFix(p.code, model) });
    }
    const shape = chatShape(call.parsed.json);
    if (shape.kind === 'wrapped') {
      return fail(
        'GATEWAY_WRAPPED_RESPONSE',
        `POST ${path} returned Eliza's wrapper instead of the raw OpenAI answer: SDKs cannot parse it`,
        { data, fix: gatewayCallFix('GATEWAY_WRAPPED_RESPONSE') },
      );
    }
    if (shape.kind === 'unknown') {
      return fail(
        'GATEWAY_UNEXPECTED_RESPONSE',
        `POST ${path} answered 200, but not in the OpenAI chat completion shape`,
        {
          details: [`it answered: ${jsonPreview(call.parsed.json)}`],
          data,
          fix: gatewayCallFix('GATEWAY_UNEXPECTED_RESPONSE'),
        },
      );
    }
    data.finishReason = shape.finishReason;
    return pass(
      `${model} answered in ${call.answer.totalMs} ms (first byte after ${data.timings.ttfbMs} ms)`,
      {
        details: [
          `finish_reason ${shape.finishReason ?? 'none'}${shape.model ? `, served by ${shape.model}` : ''}`,
          timingLine(
            data.timings,
            data.timings.tlsMs === null
              ? ' (on a connection already open: no connect or TLS of its own)'
              : '',
          ),
        ],
        data,
      },
    );
  },
});
