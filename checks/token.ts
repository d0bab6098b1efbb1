import { anySignal } from '../src/abort.ts';
import { TOKEN_VARIABLES } from '../src/config.ts';
import { describeQuota, isExhausted, parseQuota, type QuotaFamily } from '../src/eliza.ts';
import { fail, isBroken, pass, skip, warn } from '../src/engine/outcome.ts';
import { defineCheck, type Fix } from '../src/engine/types.ts';
import { callGateway } from '../src/gateway-call.ts';

export interface TokenFacts {
  source: string | null;
  pool: string | null;
  status: number | null;
  quota: QuotaFamily[] | null;
  ms: number | null;
}

const GET_TOKEN: Fix = {
  summary: 'get an OAuth token for Eliza (see "Аутентификация" in the Eliza docs) and export it',
  commands: ['export ELIZA_TOKEN=<your token>   # or SOY_TOKEN; add it to your shell startup file'],
  automated: false,
};

export const tokenCheck = defineCheck<TokenFacts>({
  id: 'token',
  title: 'Token is accepted (GET /quota)',
  // tls is awaited, not a prerequisite: a missing token is reported even when the network is
  // down (a second root cause), and the request goes out while tls is still being judged.
  uses: ['ca-bundle'],
  awaits: ['tls'],
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
      return fail(
        'TOKEN_MISSING',
        `no token: give --token or --token-file, or set ${TOKEN_VARIABLES.join(', ')}`,
        {
          data,
          fix: GET_TOKEN,
        },
      );
    }
    if (!/^[\x21-\x7e]+$/.test(config.token.reveal())) {
      return fail(
        'TOKEN_MALFORMED',
        `the token from ${config.tokenSource} has characters no HTTP header can carry`,
        {
          data,
          fix: GET_TOKEN,
        },
      );
    }
    const cancel = new AbortController();
    const pending = callGateway(ctx, {
      method: 'GET',
      path: '/quota',
      signal: anySignal(ctx.signal, cancel.signal),
    });
    const tls = await ctx.after('tls');
    if (isBroken(tls)) {
      cancel.abort();
      return skip('DEPENDENCY_NOT_MET', `tls ${tls.status === 'fail' ? 'failed' : 'was skipped'}`, { data });
    }
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
          ? `the gateway rejects the token from ${config.tokenSource}: expired or not an Eliza token ${p.summary.replace(/^.*?\(/, '(')}`
          : p.code === 'TOKEN_FORBIDDEN'
            ? `the token from ${config.tokenSource} is valid but has no access${pool} ${p.summary.replace(/^.*?\(/, '(')}`
            : p.summary;
      return (p.status === 'fail' ? fail : warn)(p.code, summary, { details: p.details, data, fix });
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
        details: [`GET /quota answered: ${JSON.stringify(call.parsed.json).slice(0, 300)}`],
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
          fix: {
            summary: 'wait for the quota to renew, ask for more, or use a team pool (--pool / ELIZA_POOL)',
            commands: [],
            automated: false,
          },
        },
      );
    }
    return pass(accepted, { details: [`quota: ${lines.join('; ')}`], data });
  },
});
