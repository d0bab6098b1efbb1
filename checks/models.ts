import { jsonPreview } from '../src/eliza/answers.ts';
import { parseModels } from '../src/eliza/models.ts';
import { fail, manualFix, pass } from '../src/engine/outcome.ts';
import { defineCheck } from '../src/engine/types.ts';
import type { ModelsFacts } from '../src/facts.ts';
import { closest } from '../src/similar.ts';
import { callGateway, gatewayCallFix } from './shared/gateway-call.ts';

export const modelsCheck = defineCheck({
  id: 'models',
  title: 'Model',
  needs: ['token'],
  reads: ['ca-bundle'],
  // Not started early: after token's answer (a rejected token is one cause, reported once), on
  // the connection token's request opened, it is still answered before the chat, which is what
  // waits for it.
  network: true,
  http: true,
  async run(ctx) {
    const model = ctx.config.model;
    const data: ModelsFacts = { count: null, ids: null, model, listed: null, closest: [] };
    const call = await callGateway(ctx, { method: 'GET', path: '/v1/models' });
    if (!call.ok)
      return fail(call.code, call.summary, { details: call.details, data, fix: gatewayCallFix(call.code) });
    if (!call.parsed.ok) {
      const p = call.parsed.problem;
      return fail(p.code, p.summary, { details: p.details, data, fix: gatewayCallFix(p.code) });
    }
    const ids = parseModels(call.parsed.json);
    if (!ids) {
      return fail('GATEWAY_UNEXPECTED_RESPONSE', 'GET /v1/models did not answer with a list of models', {
        details: [`it answered: ${jsonPreview(call.parsed.json)}`],
        data,
        fix: gatewayCallFix('GATEWAY_UNEXPECTED_RESPONSE'),
      });
    }
    data.count = ids.length;
    data.ids = ids;
    data.listed = ids.includes(model);
    if (data.listed) return pass(`${model} is one of the ${ids.length} models available`, { data });
    data.closest = closest(model, ids);
    return fail(
      'MODEL_NOT_FOUND',
      `${model} is not among the ${ids.length} models available${data.closest.length ? `; closest: ${data.closest.join(', ')}` : ''}`,
      {
        data,
        fix: manualFix(
          data.closest[0]
            ? `use a listed model, e.g. --model ${data.closest[0]}`
            : 'use a model that GET /v1/models lists (--model)',
        ),
      },
    );
  },
});
