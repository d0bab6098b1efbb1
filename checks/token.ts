import type { Code } from '../src/codes.ts';
import { cleanToken, isHeaderValue, TOKEN_VARIABLES, type TokenCandidate } from '../src/config.ts';
import { jsonPreview } from '../src/eliza/answers.ts';
import { describeQuota, isExhausted, parseQuota } from '../src/eliza/quota.ts';
import { maskToken, tokenShape } from '../src/eliza/token.ts';
import { fail, manualFix, pass, regardlessOfNeeds, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix, type Outcome } from '../src/engine/types.ts';
import type { TokenFacts } from '../src/facts.ts';
import { deleteLinesCommand, shellCommand } from '../src/quote.ts';
import { whereSet } from '../src/trust/where-set.ts';
import { callGateway, gatewayCallFix } from './shared/gateway-call.ts';

const GET_TOKEN: Fix = manualFix(
  'get an OAuth token for Eliza (see "Аутентификация" in the Eliza docs), paste it at the silent prompt of this command (it stays out of the history), then add the export to your shell startup file',
  ['read -rs ELIZA_TOKEN && export ELIZA_TOKEN'],
);

const SHAPE_CODES = new Set<Code>(['TOKEN_QUOTED', 'TOKEN_HAS_PREFIX', 'TOKEN_HAS_WHITESPACE']);

interface Finding {
  status: 'warn' | 'fail';
  code: Code;
  text: string;
  fix: Fix | null;
}

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
      masked: config.token ? maskToken(config.token.reveal()) : null,
      working: null,
      pool: config.pool,
      status: null,
      quota: null,
      ms: null,
    };
    const blank = config.tokenCandidates.filter((c) => c.value.reveal().trim() === '');
    if (!config.token) {
      const first = blank[0];
      if (first) {
        return regardlessOfNeeds(
          fail('TOKEN_BLANK', `${first.source} is set but holds only white space: no token to send`, {
            data,
            fix: manualFix(`unset the blank ${first.source} and export the token`, [
              ...(await unsetCommands(ctx, blank)),
              ...GET_TOKEN.commands,
            ]),
          }),
        );
      }
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
    const shown = `${config.tokenSource} (${data.masked})`;
    if (!isHeaderValue(config.token.reveal())) {
      return regardlessOfNeeds(
        fail('TOKEN_MALFORMED', `the token from ${shown} has characters no HTTP header can carry`, {
          data,
          fix: GET_TOKEN,
        }),
      );
    }
    const chosen = config.tokenCandidates.find((c) => c.source === config.tokenSource)!;
    const raw = chosen.value.reveal();
    // A flag's value is the doctor's own input, cleaned; what clients read are the variables.
    const shape = chosen.source.startsWith('--')
      ? { findings: [], sendable: true }
      : tokenShape(chosen.source, raw);
    const pending = callGateway(ctx, { method: 'GET', path: '/quota' });
    // The value as the Eliza docs' curl sends it; when it has a shape problem only.
    const asSent =
      shape.findings.length > 0 && shape.sendable
        ? callGateway(ctx, { method: 'GET', path: '/quota', authorization: `OAuth ${raw}` })
        : null;
    await ctx.result('tls');
    const call = await pending;
    if (!call.ok)
      return fail(call.code, call.summary, { details: call.details, data, fix: gatewayCallFix(call.code) });
    data.status = call.answer.status;
    data.ms = call.answer.totalMs;
    const pool = config.pool ? ` for pool ${config.pool}` : '';
    if (!call.parsed.ok) {
      const p = call.parsed.problem;
      if (p.code === 'TOKEN_INVALID') return rejected(ctx, data, chosen, p.reason, p.details);
      if (p.code === 'TOKEN_FORBIDDEN') {
        return fail(p.code, `the token from ${shown} is valid but has no access${pool} ${p.reason}`, {
          details: p.details,
          data,
          fix: forbiddenFix(ctx),
        });
      }
      return fail(p.code, p.summary, { details: p.details, data, fix: gatewayCallFix(p.code) });
    }
    const findings: Finding[] = [];
    const primaryShape = shape.findings[0];
    if (primaryShape) {
      const verdict = asSent ? await asSent : null;
      const works = verdict?.ok === true && verdict.parsed.ok;
      const refused =
        verdict?.ok === true &&
        !verdict.parsed.ok &&
        ['TOKEN_INVALID', 'TOKEN_FORBIDDEN'].includes(verdict.parsed.problem.code);
      const header = `\`Authorization: OAuth $${chosen.source}\``;
      const why = !shape.sendable
        ? primaryShape.code === 'TOKEN_HAS_WHITESPACE'
          ? 'clients cannot send it at all'
          : 'and with the line break it carries, clients cannot send it at all'
        : works
          ? `the gateway accepts it as the docs' curl sends it (${header}), but other clients may not`
          : refused
            ? `sent as is (${header}), the gateway rejects it: clients get 401`
            : 'sent as is, the request did not get an answer that tells';
      const status = !shape.sendable || refused ? 'fail' : 'warn';
      findings.push({
        status,
        code: primaryShape.code,
        text: `${primaryShape.text}; ${why}`,
        fix: await cleanFix(ctx, chosen.source),
      });
      for (const extra of shape.findings.slice(1))
        findings.push({ status, code: extra.code, text: extra.text, fix: null });
    }
    for (const b of blank) {
      findings.push({
        status: 'warn',
        code: 'TOKEN_BLANK',
        text: `${b.source} is set but holds only white space; tools that read it first send no token`,
        fix: manualFix(`unset the blank ${b.source}`, await unsetCommands(ctx, [b])),
      });
    }
    findings.push(...(await disagreeing(ctx, chosen)));

    const quota = parseQuota(call.parsed.json);
    data.quota = quota;
    const accepted = `the token from ${shown} is accepted${pool} (${call.answer.totalMs} ms)`;
    const details: string[] = [];
    if (!call.parsed.labelled) {
      findings.push({
        status: 'warn',
        code: 'GATEWAY_CONTENT_TYPE',
        text: `${accepted}, but the answer came labelled ${call.answer.headers['content-type']}, not JSON: something between you and Eliza rewrites answers?`,
        fix: null,
      });
    } else if (!quota) {
      findings.push({
        status: 'warn',
        code: 'QUOTA_UNRECOGNIZED',
        text: `${accepted}, but the quota's shape is not one the doctor knows`,
        fix: null,
      });
      details.push(`GET /quota answered: ${jsonPreview(call.parsed.json)}`);
    } else {
      const exhausted = quota.filter(isExhausted);
      const lines = quota.map(describeQuota);
      if (exhausted.length > 0) {
        findings.push({
          status: 'warn',
          code: 'QUOTA_EXHAUSTED',
          text: `${accepted}, but nothing is left for ${exhausted.map((q) => q.family).join(', ')}`,
          fix: manualFix(
            'wait for the quota to renew, ask for more, or use a team pool (--pool / ELIZA_POOL)',
          ),
        });
        details.push(...lines);
      } else {
        details.push(`quota: ${lines.join('; ')}`);
      }
    }
    return conclude(findings, accepted, details, data);
  },
});

function conclude(
  findings: Finding[],
  accepted: string,
  details: string[],
  data: TokenFacts,
): Outcome<TokenFacts> {
  const primary = findings.find((f) => f.status === 'fail') ?? findings[0];
  if (!primary) return pass(accepted, { details, data });
  const others = findings.filter((f) => f !== primary);
  const fixes = findings.flatMap((f) => (f.fix ? [f.fix] : []));
  return (primary.status === 'fail' ? fail : warn)(primary.code, primary.text, {
    details: [
      ...others.map((f) => f.text),
      ...(primary.text.startsWith(accepted)
        ? []
        : [SHAPE_CODES.has(primary.code) ? `stripped bare, as the doctor sends it, ${accepted}` : accepted]),
      ...details,
    ],
    data,
    fix: fixes.length
      ? manualFix(fixes.map((f) => f.summary).join('; '), [...new Set(fixes.flatMap((f) => f.commands))])
      : null,
  });
}

/** 401: the token used is wrong; another token variable may hold one that works. */
async function rejected(
  ctx: CheckContext,
  data: TokenFacts,
  chosen: TokenCandidate,
  reason: string,
  details: string[],
): Promise<Outcome<TokenFacts>> {
  const shown = `${chosen.source} (${data.masked})`;
  const working = await firstWorking(ctx, chosen);
  if (working) {
    data.working = working.source;
    const variable = TOKEN_VARIABLES.includes(chosen.source as (typeof TOKEN_VARIABLES)[number]);
    return fail(
      'TOKEN_INVALID',
      `the gateway rejects the token from ${shown} ${reason}; the one in ${working.source} (${maskToken(cleanToken(working.value.reveal()))}) works`,
      {
        details,
        data,
        fix: variable
          ? manualFix(
              `${chosen.source} is read before ${working.source} and holds a stale token: unset it (and remove it where a startup file sets it)`,
              await unsetCommands(ctx, [chosen]),
            )
          : manualFix(`give the token that works: drop ${chosen.source}, ${working.source} is then used`),
      },
    );
  }
  return fail(
    'TOKEN_INVALID',
    `the gateway rejects the token from ${shown}: expired or not an Eliza token ${reason}`,
    {
      details,
      data,
      fix: GET_TOKEN,
    },
  );
}

/** The other token variables with a different token, tried in order; the first the gateway accepts. */
async function firstWorking(ctx: CheckContext, chosen: TokenCandidate): Promise<TokenCandidate | null> {
  const mine = cleanToken(chosen.value.reveal());
  const others = distinctOthers(ctx, mine);
  const verdicts = await Promise.all(
    others.map(async (c) => {
      const token = cleanToken(c.value.reveal());
      if (!isHeaderValue(token)) return false;
      const call = await callGateway(ctx, { method: 'GET', path: '/quota', authorization: `OAuth ${token}` });
      return call.ok && call.parsed.ok;
    }),
  );
  return others[verdicts.indexOf(true)] ?? null;
}

function distinctOthers(ctx: CheckContext, mine: string): TokenCandidate[] {
  const seen = new Set([mine]);
  return ctx.config.tokenCandidates.filter((c) => {
    const token = cleanToken(c.value.reveal());
    if (token === '' || seen.has(token)) return false;
    seen.add(token);
    return true;
  });
}

/** Other variables holding another token: clients that read them get another answer. */
async function disagreeing(ctx: CheckContext, chosen: TokenCandidate): Promise<Finding[]> {
  const others = distinctOthers(ctx, cleanToken(chosen.value.reveal()));
  return Promise.all(
    others.map(async (c) => {
      const token = cleanToken(c.value.reveal());
      const call = isHeaderValue(token)
        ? await callGateway(ctx, { method: 'GET', path: '/quota', authorization: `OAuth ${token}` })
        : null;
      const rejectedToo =
        call?.ok === true && !call.parsed.ok && call.parsed.problem.code === 'TOKEN_INVALID';
      return {
        status: 'warn' as const,
        code: 'TOKEN_SOURCES_DISAGREE' as const,
        text: rejectedToo
          ? `${c.source} holds another token, which the gateway rejects; ${chosen.source} is used here, tools that read ${c.source} get 401`
          : `${c.source} holds another token than ${chosen.source}, which is used here; other tools may read ${c.source}`,
        fix: rejectedToo ? manualFix(`unset the stale ${c.source}`, await unsetCommands(ctx, [c])) : null,
      };
    }),
  );
}

/** `unset NAME` for this shell, and the startup-file lines that set it, for the next ones. */
async function unsetCommands(ctx: CheckContext, candidates: TokenCandidate[]): Promise<string[]> {
  const commands: string[] = [];
  for (const c of candidates) {
    if (c.source.startsWith('--')) continue;
    commands.push(shellCommand(['unset', c.source]));
    const places = await whereSet(ctx.host, c.source);
    const byFile = new Map<string, number[]>();
    for (const p of places) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p.line]);
    for (const [file, lines] of byFile) commands.push(deleteLinesCommand(file, lines));
  }
  return commands;
}

async function cleanFix(ctx: CheckContext, source: string): Promise<Fix> {
  const places = await whereSet(ctx.host, source);
  const where = places.length
    ? `, and the same in ${places.map((p) => `${p.file} line ${p.line}`).join(', ')}, which sets it for new shells`
    : '';
  return manualFix(`store the bare token: no quotes, no OAuth/Bearer word, no white space${where}`, [
    `export ${source}="$(printf %s "$${source}" | tr -d "[:space:]\\"'" | sed -E 's/^(OAuth|Bearer)//')"`,
  ]);
}

/** 403 with a pool asked for is about that pool, not about the token. */
function forbiddenFix(ctx: CheckContext): Fix {
  const { pool, poolSource } = ctx.config;
  if (!pool) {
    return manualFix(
      'the token is valid but has no access to Eliza: ask for access (see "Аутентификация" in the Eliza docs), or use the token of an account that has it',
    );
  }
  return manualFix(
    `ask the pool's owners for access to ${pool}, or drop the pool to use your own quota`,
    poolSource === '--pool' ? [] : [shellCommand(['unset', poolSource!])],
  );
}
