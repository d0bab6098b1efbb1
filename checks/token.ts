import { isHeaderValue, TOKEN_VARIABLES } from '../src/config.ts';
import { jsonPreview } from '../src/eliza/answers.ts';
import { describeQuota, isExhausted, parseQuota } from '../src/eliza/quota.ts';
import { fail, manualFix, pass, regardlessOfNeeds, warn } from '../src/engine/outcome.ts';
import { defineCheck, type Fix } from '../src/engine/types.ts';
import type { TokenFacts } from '../src/facts.ts';
import { callGateway } from './shared/gateway-call.ts';

const GET_TOKEN: Fix = manualFix(
  'get an OAuth token for Eliza (see "Аутентификация" in the Eliza docs) and export it',
  ['export ELIZA_TOKEN=<your token>   # or SOY_TOKEN; add it to your shell startup file'],
);

export const tokenCheck = defineCheck({
  id: 'token',
  title: 'Token and quota',
  // The request goes out while tls is still being judged; a missing or malformed token is
  // reported whatever tls says: it is a second root cause, not a consequence.
  needs: ['tls'],
  reads: ['ca-bundle'],
  startEarly: true,
  network: true,
  http: true,
  async run(ctx) {
    const { config } = ctx;
    const data: TokenFacts = {
      source: config.tokenSource,
      pool: config.pool,
      status: null,
      quota: null,
      ms: null,
    };
    if (!config.token) {
      return regardlessOfNeeds(
        fail(
          'TOKEN_MISSING',
          `no token: give --token or --token-file, or set ${TOKEN_VARIABLES.join(', ')}`,
          {
            data,
            fix: GET_TOKEN,
          },
        ),
      );
    }
    if (!isHeaderValue(config.token.reveal())) {
      return regardlessOfNeeds(
        fail(
          'TOKEN_MALFORMED',
          `the token from ${config.tokenSource} has characters no HTTP header can carry`,
          {
            data,
            fix: GET_TOKEN,
          },
        ),
      );
    }
    const pending = callGateway(ctx, { method: 'GET', path: '/quota' });
    await ctx.result('tls');
    const call = await pending;
    if (!call.ok) return fail(call.code, call.summary, { details: call.details, data });
    data.status = call.answer.status;
    data.ms = call.answer.totalMs;
    const pool = config.pool ? ` for pool ${config.pool}` : '';
    if (!call.parsed.ok) {
      const p = call.parsed.problem;
      const fix = p.code === 'TOKEN_INVALID' || p.code === 'TOKEN_FORBIDDEN' ? GET_TOKEN : null;
      const summary =
        p.code === 'TOKEN_INVALID'
          ? `the gateway rejects the token from ${config.tokenSource}: expired or not an Eliza token ${p.reason}`
          : p.code === 'TOKEN_FORBIDDEN'
            ? `the token from ${config.tokenSource} is valid but has no access${pool} ${p.reason}`
            : p.summary;
      return fail(p.code, summary, { details: p.details, data, fix });
    }
    const quota = parseQuota(call.parsed.json);
    data.quota = quota;
    const accepted = `the token from ${config.tokenSource} is accepted${pool} (${call.answer.totalMs} ms)`;
    if (!call.parsed.labelled) {
      return warn(
        'GATEWAY_CONTENT_TYPE',
        `${accepted}, but the answer came labelled ${call.answer.headers['content-type']}, not JSON: something between you and Eliza rewrites answers?`,
        { data },
      );
    }
    if (!quota) {
      return warn('QUOTA_UNRECOGNIZED', `${accepted}, but the quota's shape is not one the doctor knows`, {
        details: [`GET /quota answered: ${jsonPreview(call.parsed.json)}`],
        data,
      });
    }
    const exhausted = quota.filter(isExhausted);
    const lines = quota.map(describeQuota);
    if (exhausted.length > 0) {
      return warn(
        'QUOTA_EXHAUSTED',
        `${accepted}, but nothing is left for ${exhausted.map((q) => q.family).join(', ')}`,
        {
          details: lines,
          data,
          fix: manualFix(
            'wait for the quota to renew, ask for more, or use a team pool (--pool / ELIZA_POOL)',
          ),
        },
      );
    }
    return pass(accepted, { details: [`quota: ${lines.join('; ')}`], data });
  },
});
