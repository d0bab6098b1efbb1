/**
 * The next step for each way a gateway call can fail: what the user can do, or, where nothing on
 * this machine can help (an outage, an overloaded model), that plainly.
 */
import type { Code } from '../codes.ts';
import { manualFix } from '../engine/outcome.ts';
import type { Fix } from '../engine/types.ts';

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
