import type { Code } from '../../src/codes.ts';
import { judgeAnswer, type ParsedAnswer } from '../../src/eliza/answers.ts';
import { gatewayCallFix } from '../../src/eliza/fixes.ts';
import { waitWithinMs } from '../../src/engine/allowance.ts';
import { usable } from '../../src/engine/outcome.ts';
import type { CheckContext } from '../../src/engine/types.ts';
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
  // The wait for ca-bundle (a download, maybe) came out of this check's bound: the request gets
  // what is left, so that a silent gateway is named GATEWAY_TIMEOUT before the check's TIMEOUT.
  const timeoutMs = waitWithinMs(ctx.boundAt, config.timeoutMs);
  const result = await ctx.net.request({
    url: `${config.target.baseUrl}${request.path}`,
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    extraCa: usable(bundle) ? (bundle.data.pem ?? '') : '',
    signal: request.signal ?? ctx.signal,
    timeoutMs,
  });
  if (!result.ok) {
    const f = result.failure;
    return {
      ok: false,
      code: gatewayCode(f),
      summary: `${what}: ${failureReason(f, timeoutMs)}`,
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

export { gatewayCallFix };
