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
  reads: ['ca-bundle', 'tls'],
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
    // The connection is the one token and models used: its set-up phases are the tls check's.
    const setup = (await ctx.result('tls')).data.timings ?? {
      dnsMs: null,
      tcpMs: null,
      tlsMs: null,
    };
    data.timings = {
      dnsMs: setup.dnsMs,
      tcpMs: setup.tcpMs,
      tlsMs: setup.tlsMs,
      ttfbMs: call.answer.ttfbMs,
      totalMs: (setup.dnsMs ?? 0) + (setup.tcpMs ?? 0) + (setup.tlsMs ?? 0) + call.answer.totalMs,
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
      `${model} answered in ${call.answer.totalMs} ms (first byte after ${call.answer.ttfbMs} ms)`,
      {
        details: [
          `finish_reason ${shape.finishReason ?? 'none'}${shape.model ? `, served by ${shape.model}` : ''}`,
          timingLine(
            data.timings!,
            ' (connect and TLS as the tls check measured them; the request reused that connection)',
          ),
        ],
        data,
      },
    );
  },
});
