import type { Code } from '../../src/codes.ts';
import { judgeAnswer, type ParsedAnswer } from '../../src/eliza/answers.ts';
import { manualFix, usable } from '../../src/engine/outcome.ts';
import type { CheckContext, Fix } from '../../src/engine/types.ts';
import type { NetFailure } from '../../src/net/errors.ts';
import type { HttpAnswer } from '../../src/net/index.ts';
import { VERSION } from '../../src/version.ts';

export type GatewayCall =
  | { ok: true; answer: HttpAnswer; parsed: ParsedAnswer }
  | { ok: false; code: Code; summary: string; details: string[] };

/**
 * One authenticated request to the gateway, trusting the public roots plus the internal CA that
 * ca-bundle verified: so a token can be checked even where the user's Node does not trust the CA.
 * The calling check must declare ca-bundle in `reads`.
 */
export async function callGateway(
  ctx: CheckContext,
  request: {
    method: 'GET' | 'POST';
    path: string;
    body?: unknown;
    signal?: AbortSignal;
    /** The Authorization value to send instead of `OAuth <the run's token>`. */
    authorization?: string;
  },
): Promise<GatewayCall> {
  const { config } = ctx;
  const headers: Record<string, string> = { accept: 'application/json', ...gatewayHeaders(ctx) };
  // Another way of sending the token (as a client would send it) replaces the doctor's own.
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const what = `${request.method} ${request.path}`;
  const bundle = await ctx.result('ca-bundle');
  const result = await ctx.net.request({
    url: `${config.target.baseUrl}${request.path}`,
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    extraCa: usable(bundle) ? (bundle.data.pem ?? '') : '',
    signal: request.signal ?? ctx.signal,
  });
  if (!result.ok) {
    const f = result.failure;
    return {
      ok: false,
      code: gatewayCode(f),
      summary: `${what}: ${failureReason(f, config.timeoutMs)}`,
      details: [],
    };
  }
  return { ok: true, answer: result, parsed: judgeAnswer(result, what) };
}

/** Who the doctor is and whose token it carries: every request to the gateway sends these. */
export function gatewayHeaders({ config }: Pick<CheckContext, 'config'>): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': `eliza-doctor/${VERSION}` };
  if (config.token) headers.authorization = `OAuth ${config.token.reveal()}`;
  if (config.pool) headers['ya-pool'] = config.pool;
  return headers;
}

/** A request that got no answer, in words. */
export function failureReason(f: NetFailure, timeoutMs: number): string {
  return f.kind === 'timeout'
    ? `no answer within ${timeoutMs} ms`
    : f.kind === 'too-large'
      ? 'the answer is far larger than any real one; stopped reading'
      : f.kind === 'reset'
        ? 'the connection was reset or closed before the answer was complete'
        : `${f.cause}: ${f.message}`;
}

/** Kept apart from the HTTP-status codes (GATEWAY_ERROR is a 5xx, GATEWAY_NOT_FOUND a 404). */
export function gatewayCode(failure: NetFailure): Code {
  switch (failure.kind) {
    case 'timeout':
      return 'GATEWAY_TIMEOUT';
    case 'reset':
      return 'GATEWAY_RESET';
    case 'too-large':
      return 'GATEWAY_TOO_LARGE';
    case 'tls-untrusted':
    case 'tls-expired':
    case 'tls-not-yet-valid':
    case 'tls-hostname':
    case 'tls-other':
    case 'not-tls':
      return 'GATEWAY_TLS_REJECTED';
    default:
      return 'GATEWAY_CONNECTION_FAILED';
  }
}

const NOTHING_HERE = 'nothing on this machine can fix this';
const REPORT = 'if it lasts, report it to the Eliza team with this output (`--report FILE`)';

/**
 * The next step for a failed gateway call, for every code it can give: what to do, or plainly
 * that nothing here can fix it (the gateway's or a proxy's trouble). Route-specific answers (403
 * on a model, a wrong model id) are the calling check's.
 */
export function gatewayCallFix(code: Code, model?: string): Fix {
  switch (code) {
    case 'MODEL_INVALID':
      return manualFix('give a model id that GET /v1/models lists (--model)');
    case 'MODEL_NDA_REQUIRED':
      return manualFix(
        `accept the NDA for ${model ?? 'the model'} (see the Eliza docs), or use another model (--model)`,
      );
    case 'MODEL_FORBIDDEN':
      return manualFix(`ask for access to ${model ?? 'the model'}, or use another model (--model)`);
    case 'TOKEN_INVALID':
    case 'TOKEN_FORBIDDEN':
      return manualFix('get a token that has access (see "Аутентификация" in the Eliza docs) and export it');
    case 'QUOTA_EXHAUSTED':
      return manualFix(
        'wait for the quota to renew (after Retry-After), ask for more, or use a team pool (--pool / ELIZA_POOL)',
      );
    case 'GATEWAY_OVERLOADED':
      return manualFix(
        `${NOTHING_HERE}: wait and retry after Retry-After, or pick another model (--model); ${REPORT}`,
      );
    case 'GATEWAY_ERROR':
    case 'GATEWAY_TIMEOUT':
    case 'GATEWAY_RESET':
      return manualFix(
        `${NOTHING_HERE}: the gateway or a proxy in between failed; wait and retry; ${REPORT}`,
      );
    case 'GATEWAY_UNEXPECTED_RESPONSE':
    case 'GATEWAY_TOO_LARGE':
      return manualFix(
        'something other than Eliza answered: log in to the Wi-Fi or VPN portal if there is one, or check the proxy variables (eliza-doctor env)',
      );
    case 'GATEWAY_BAD_REQUEST':
      return manualFix(
        `the gateway rejected a minimal chat request; if its message names the model, use another (--model); else ${REPORT}`,
      );
    case 'GATEWAY_NOT_FOUND':
      return manualFix("give the gateway's root as the base URL: --base-url https://api.eliza.yandex.net");
    case 'GATEWAY_WRAPPED_RESPONSE':
      return manualFix(`${NOTHING_HERE}: the raw route must return the provider's answer; ${REPORT}`);
    case 'GATEWAY_TLS_REJECTED':
      return manualFix(
        'the certificate changed between checks (a proxy that intercepts some requests?): run the doctor again',
      );
    case 'GATEWAY_CONNECTION_FAILED':
      return manualFix(
        'the connection broke after the network checks passed: run the doctor again; if it lasts, check the VPN and proxy',
      );
    default:
      return manualFix(`${NOTHING_HERE}: the gateway answered what the doctor does not expect; ${REPORT}`);
  }
}
