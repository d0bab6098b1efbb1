import type { CaBundleFacts } from '../checks/ca-bundle.ts';
import { judgeAnswer, type ParsedAnswer } from './eliza.ts';
import type { CheckContext } from './engine/types.ts';
import type { NetFailure } from './net/errors.ts';
import type { HttpAnswer } from './net/index.ts';
import { VERSION } from './version.ts';

export type GatewayCall =
  | { ok: true; answer: HttpAnswer; parsed: ParsedAnswer }
  | { ok: false; code: string; summary: string; details: string[] };

/**
 * One authenticated request to the gateway, trusting the public roots plus the internal CA that
 * ca-bundle verified: so a token can be checked even where the user's Node does not trust the CA.
 */
export async function callGateway(
  ctx: CheckContext,
  request: { method: 'GET' | 'POST'; path: string; body?: unknown; signal?: AbortSignal },
): Promise<GatewayCall> {
  const { config } = ctx;
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': `eliza-doctor/${VERSION}`,
  };
  if (config.token) headers.authorization = `OAuth ${config.token.reveal()}`;
  if (config.pool) headers['ya-pool'] = config.pool;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const what = `${request.method} ${request.path}`;
  const result = await ctx.net.request({
    url: `${config.target.baseUrl}${request.path}`,
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    extraCa: internalCaPem(ctx),
    signal: request.signal ?? ctx.signal,
  });
  if (!result.ok) {
    const f = result.failure;
    const reason =
      f.kind === 'timeout'
        ? `no answer within ${config.timeoutMs} ms`
        : f.kind === 'too-large'
          ? 'the answer is far larger than any real one; stopped reading'
          : f.kind === 'reset'
            ? 'the connection was reset or closed before the answer was complete'
            : `${f.cause}: ${f.message}`;
    return { ok: false, code: gatewayCode(f), summary: `${what}: ${reason}`, details: [] };
  }
  return { ok: true, answer: result, parsed: judgeAnswer(result, what) };
}

function internalCaPem(ctx: CheckContext): string {
  const bundle = ctx.dependency<CaBundleFacts>('ca-bundle');
  return bundle.status === 'pass' || bundle.status === 'warn' ? (bundle.data.pem ?? '') : '';
}

/** Kept apart from the HTTP-status codes (GATEWAY_ERROR is a 5xx, GATEWAY_NOT_FOUND a 404). */
function gatewayCode(failure: NetFailure): string {
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
