/**
 * Every code the doctor reports, in one place: its status (or statuses) and one line of meaning.
 * Checks take codes from here only; the README's code table is generated from this list
 * (scripts/codes-table.mjs) and a test keeps the two equal.
 */
import type { Status } from './engine/types.ts';

export interface CodeInfo {
  /** The statuses a result with this code can have; most codes have one. */
  status: readonly Exclude<Status, 'pass'>[];
  /** One line for the README: what it means and what to do. */
  meaning: string;
}

export const CODES = {
  DEPENDENCY_NOT_MET: {
    status: ['skip'],
    meaning: 'a prerequisite failed or was skipped; fix that one first',
  },
  OFFLINE: { status: ['skip'], meaning: 'not checked: `--offline`' },
  TIMEOUT: {
    status: ['fail'],
    meaning: "the check did not finish within its bound, or the run's bound (2 × `--timeout`) ran out",
  },
  CHECK_CRASHED: { status: ['fail'], meaning: 'a bug in the doctor; the run went on; please report it' },
  INTERRUPTED: { status: ['skip'], meaning: 'Ctrl-C' },
  TOKEN_HAS_WHITESPACE: {
    status: ['warn', 'fail'],
    meaning:
      'a token variable carries white space or a line break: a failure when clients cannot send it or the gateway rejects it as sent, a warning when it still works',
  },
  TOKEN_HAS_PREFIX: {
    status: ['warn', 'fail'],
    meaning:
      'a token variable starts with `OAuth `/`Bearer `, which clients add themselves: a failure when the gateway rejects the value as clients send it',
  },
  TOKEN_QUOTED: {
    status: ['warn', 'fail'],
    meaning:
      'a token variable holds the token in quotes: a failure when the gateway rejects the value as clients send it',
  },
  TOKEN_BLANK: {
    status: ['warn', 'fail'],
    meaning:
      'a token variable holds only white space: unset it (a failure when no other variable holds a token)',
  },
  TOKEN_SOURCES_DISAGREE: {
    status: ['warn'],
    meaning: 'several token variables hold different tokens; say which one is used',
  },
  SCHEME_HTTP: { status: ['fail'], meaning: 'the base URL is `http://`; use the `https://` URL shown' },
  SCHEME_BASE_URL_PATH: {
    status: ['warn'],
    meaning: 'the base URL has a path; the doctor wants the gateway root',
  },
  SCHEME_SDK_HTTP: {
    status: ['fail'],
    meaning: 'an SDK base URL variable points at the gateway over `http://`',
  },
  SCHEME_SDK_NOT_RAW: {
    status: ['fail'],
    meaning: "an SDK base URL lacks `/raw`: the SDK gets Eliza's wrapper and cannot parse it",
  },
  SCHEME_SDK_WRONG_PATH: {
    status: ['warn'],
    meaning: 'an SDK base URL has `/raw` but the wrong path (`/raw/openai/v1`, `/raw/anthropic`)',
  },
  SCHEME_SDK_INVALID_URL: { status: ['warn'], meaning: 'an SDK base URL variable is not a URL' },
  DNS_NOT_FOUND: {
    status: ['fail'],
    meaning: 'the gateway name does not resolve: not on the corporate network or VPN?',
  },
  DNS_TEMPORARY: {
    status: ['fail'],
    meaning: 'the resolver could not answer (EAI_AGAIN): DNS servers unreachable?',
  },
  DNS_TIMEOUT: { status: ['fail'], meaning: 'no DNS answer within `--timeout`' },
  DNS_ERROR: { status: ['fail'], meaning: 'another resolver error, named in the summary' },
  TCP_REFUSED: { status: ['fail'], meaning: 'nothing listens on the port: a wrong port in the base URL?' },
  TCP_TIMEOUT: {
    status: ['fail'],
    meaning:
      'no answer: a firewall drops the traffic, or this (remote, CI) machine has no network access to the gateway',
  },
  TCP_UNREACHABLE: {
    status: ['fail'],
    meaning: 'no route: e.g. IPv6-only answers and no IPv6 route, or the VPN is down',
  },
  TCP_ERROR: { status: ['fail'], meaning: 'another connection error, named in the summary' },
  TCP_PARTIAL: {
    status: ['warn'],
    meaning: 'some addresses connect, some do not; the summary says which family works',
  },
  TLS_TIMEOUT: { status: ['fail'], meaning: 'the port accepts connections but no TLS handshake finishes' },
  TLS_NOT_TLS: {
    status: ['fail'],
    meaning: 'something that is not TLS answers (a plain-http port, a proxy)',
  },
  TLS_RESET: {
    status: ['fail'],
    meaning: 'the connection was closed during the handshake (a filter by name?)',
  },
  TLS_HANDSHAKE_FAILED: { status: ['fail'], meaning: 'another handshake error, named in the summary' },
  TLS_NO_CERTIFICATE: { status: ['fail'], meaning: 'the server sent no certificate' },
  TLS_UNKNOWN_ISSUER: {
    status: ['fail'],
    meaning:
      'the chain ends at a root that is neither public nor pinned: TLS interception by a proxy or antivirus? Ask for the gateway to be excluded; never switch verification off',
  },
  TLS_MISSING_INTERMEDIATE: {
    status: ['fail', 'warn'],
    meaning:
      'the gateway does not send its intermediate CA: a failure when nothing can complete the chain, a warning when the internal bundle could',
  },
  TLS_EXPIRED: {
    status: ['fail'],
    meaning: 'a certificate in the chain has expired; report it to the Eliza team',
  },
  TLS_NOT_YET_VALID: {
    status: ['fail'],
    meaning: "a certificate is not valid yet: is this machine's clock right?",
  },
  TLS_HOSTNAME_MISMATCH: {
    status: ['fail'],
    meaning:
      'the certificate is for another name: you reached another server (check `--resolve`, `/etc/hosts`, the proxy)',
  },
  TLS_INVALID_PATH: {
    status: ['fail'],
    meaning:
      'the chain reaches a trusted root by names and signatures, but an issuer on it is not a CA, lacks keyCertSign, or its pathLenConstraint is exceeded (RFC 5280): not the gateway; send it no token',
  },
  TLS_EXPIRES_SOON: { status: ['warn'], meaning: 'the gateway certificate expires within 14 days' },
  TLS_SLOW: {
    status: ['warn'],
    meaning: 'the chain is fine but a network phase is abnormally slow (named in the summary)',
  },
  PROXY_INVALID_URL: {
    status: ['fail'],
    meaning: 'the proxy variable holds no usable `http://` proxy URL; the doctor goes direct',
  },
  PROXY_SOCKS: {
    status: ['warn'],
    meaning:
      'the proxy variable names a SOCKS proxy: curl (and Python with PySocks) use it, Node and the doctor go direct',
  },
  PROXY_NOT_FOUND: {
    status: ['fail'],
    meaning:
      "the proxy's host name does not resolve: a wrong proxy variable, or off the network it belongs to",
  },
  PROXY_UNREACHABLE: { status: ['fail'], meaning: 'the proxy does not accept connections' },
  PROXY_TIMEOUT: {
    status: ['fail'],
    meaning: 'the proxy accepts connections but never answers the CONNECT for the gateway',
  },
  PROXY_AUTH_REQUIRED: {
    status: ['fail'],
    meaning: 'the proxy answered 407: put the credentials in its URL',
  },
  PROXY_NO_PROXY_MISSING: {
    status: ['fail'],
    meaning:
      'the proxy will not or cannot reach the internal gateway (403, 502, 503, 504): the summary gives the `NO_PROXY` to set',
  },
  PROXY_REFUSED: { status: ['fail'], meaning: 'the proxy refused the tunnel with another status' },
  PROXY_INTERCEPTS_TLS: {
    status: ['fail'],
    meaning: "through the proxy, the chain ends at a root of the proxy's own: it intercepts TLS",
  },
  CA_UNREACHABLE: {
    status: ['fail'],
    meaning: 'no internal CA on the machine, and the distribution point could not be reached',
  },
  CA_NOT_FOUND: { status: ['fail'], meaning: 'no internal CA on the machine and no URL to fetch one' },
  CA_NOT_PEM: {
    status: ['fail'],
    meaning: 'the CA file or download is not PEM: an HTML page from a proxy or captive portal, or a DER file',
  },
  CA_NO_PINNED_ROOT: {
    status: ['fail'],
    meaning: 'the bundle holds no root with a pinned fingerprint (tampered with, or the wrong file)',
  },
  CA_ROOT_EXPIRED: { status: ['fail'], meaning: 'the pinned root is outside its validity' },
  CA_FILE_UNREADABLE: { status: ['fail'], meaning: 'the `--ca-file` cannot be read' },
  CA_FETCHED_OVER_HTTP: {
    status: ['warn'],
    meaning:
      'the internal CA bundle was downloaded over plain http (pin and path validation still applied); `eliza-doctor fix` keeps a verified local copy',
  },
  CA_CERTS_DROPPED: {
    status: ['warn'],
    meaning: 'the bundle held certificates that do not chain to a pinned root; they were left out',
  },
  TRUST_NODE_CA_NOT_SET: {
    status: ['fail'],
    meaning: '`NODE_EXTRA_CA_CERTS` is not set, so Node does not trust the internal root',
  },
  TRUST_NODE_CA_FILE_MISSING: { status: ['fail'], meaning: 'it names a file that does not exist' },
  TRUST_NODE_CA_PATH_LIST: {
    status: ['fail'],
    meaning: 'it holds several paths; Node takes one only, so it loads nothing',
  },
  TRUST_NODE_CA_FILE_UNREADABLE: { status: ['fail'], meaning: 'the file cannot be read' },
  TRUST_NODE_CA_FILE_IS_DIRECTORY: {
    status: ['fail'],
    meaning: 'it names a directory, which Node silently ignores',
  },
  TRUST_NODE_CA_FILE_NOT_PEM: {
    status: ['fail'],
    meaning: 'the file holds no PEM certificate (DER, HTML, empty), which Node silently ignores',
  },
  TRUST_NODE_CA_FILE_MALFORMED: {
    status: ['fail', 'warn'],
    meaning:
      "a bad PEM block stops Node's loading: a failure when the internal root comes after it, a warning when before",
  },
  TRUST_NODE_CA_INTERMEDIATE_ONLY: {
    status: ['fail'],
    meaning: 'the file has the intermediate but not the root: curl accepts that, Node does not',
  },
  TRUST_NODE_CA_MISSING_INTERMEDIATE: {
    status: ['fail'],
    meaning: 'the file has the root, but not the intermediate the gateway fails to send',
  },
  TRUST_NODE_CA_WRONG: {
    status: ['fail'],
    meaning: 'the file holds other certificates, not the internal root',
  },
  TRUST_NODE_HANDSHAKE_FAILED: {
    status: ['fail'],
    meaning:
      "a handshake with Node's default trust fails although the file looks right, or could not be made",
  },
  TRUST_NODE_NOT_PERSISTENT: {
    status: ['warn'],
    meaning: 'this shell trusts the gateway, a new terminal will not (a startup file sets a broken value)',
  },
  TRUST_NODE_NEW_SHELL_ONLY: {
    status: ['warn'],
    meaning:
      'new terminals trust the gateway, this shell started before that: open a new terminal or `eval "$(eliza-doctor env)"`',
  },
  STARTUP_FILE_CRLF: {
    status: ['warn', 'fail'],
    meaning:
      "a shell startup file (or one it sources) has CRLF line endings, which bash and zsh read as part of every value: a failure when a new terminal's `NODE_EXTRA_CA_CERTS` ends in that `\\r`, else a warning; the fix converts it, keeping a copy",
  },
  TRUST_PYTHON_NEW_SHELL_ONLY: {
    status: ['warn'],
    meaning:
      "new terminals' Python trusts the gateway, this shell's does not (it started before the fix): open a new terminal, or load the settings shown",
  },
  TRUST_PYTHON_NOT_FOUND: { status: ['skip'], meaning: 'no `python3` on PATH' },
  TRUST_PYTHON_UNTRUSTED: {
    status: ['fail'],
    meaning: 'Python rejects the gateway both ways (`CERTIFICATE_VERIFY_FAILED`)',
  },
  TRUST_PYTHON_REQUESTS_UNTRUSTED: {
    status: ['fail'],
    meaning: 'requests rejects it: its bundle (certifi or `REQUESTS_CA_BUNDLE`) lacks the internal CA',
  },
  TRUST_PYTHON_SSL_UNTRUSTED: {
    status: ['fail'],
    meaning:
      '`ssl.create_default_context()` rejects it (urllib, aiohttp; httpx when `SSL_CERT_FILE` or `SSL_CERT_DIR` is set)',
  },
  TRUST_PYTHON_BUNDLE_MISSING: {
    status: ['fail'],
    meaning: "a bundle variable names a file that does not exist: Python's HTTPS fails everywhere",
  },
  TRUST_PYTHON_INTERNAL_ONLY_BUNDLE: {
    status: ['warn'],
    meaning: 'a bundle variable names internal CAs only: public hosts (pypi.org) fail',
  },
  TRUST_PYTHON_PROBE_FAILED: { status: ['fail'], meaning: 'the child `python3` could not run the test' },
  TRUST_SYSTEM_NEW_SHELL_ONLY: {
    status: ['warn'],
    meaning:
      "new terminals' curl trusts the gateway, this shell's does not (it started before the fix): open a new terminal, or load the settings shown",
  },
  TRUST_SYSTEM_CURL_UNTRUSTED: { status: ['fail'], meaning: 'curl rejects the gateway (exit 60)' },
  TRUST_SYSTEM_GIT_UNTRUSTED: { status: ['fail'], meaning: 'the CA file git reads lacks the internal root' },
  TRUST_SYSTEM_NOT_UPDATED: {
    status: ['warn'],
    meaning:
      "the root is in an anchor folder but not built into the OS bundle: run `update-ca-certificates` (or your OS's)",
  },
  TRUST_SYSTEM_STORE_MISSING_CA: {
    status: ['warn'],
    meaning: 'no curl or git to test, and the OS store lacks the root',
  },
  INSECURE_NODE_TLS: {
    status: ['warn'],
    meaning: '`NODE_TLS_REJECT_UNAUTHORIZED=0`: Node accepts any certificate',
  },
  INSECURE_PYTHON_VERIFY: { status: ['warn'], meaning: '`PYTHONHTTPSVERIFY=0`' },
  INSECURE_GIT_SSL: { status: ['warn'], meaning: '`GIT_SSL_NO_VERIFY` or `http.sslVerify=false`' },
  INSECURE_NPM_STRICT_SSL: { status: ['warn'], meaning: "npm's `strict-ssl=false`" },
  INSECURE_CURLRC: { status: ['warn'], meaning: '`insecure` / `-k` in `~/.curlrc`' },
  INSECURE_VSCODE_STRICT_SSL: {
    status: ['warn'],
    meaning: "VS Code's `http.proxyStrictSSL: false`: extensions accept any certificate through the proxy",
  },
  INSECURE_CONTINUE_VERIFY_SSL: {
    status: ['warn'],
    meaning:
      "Continue's `requestOptions.verifySsl: false`: it accepts any certificate; `fix` names the internal CA in `caBundlePath` and switches verification back on",
  },
  INSECURE_PIP_TRUSTED_HOST: { status: ['warn'], meaning: "pip's `trusted-host` (or `PIP_TRUSTED_HOST`)" },
  TOKEN_MISSING: {
    status: ['fail'],
    meaning: 'no token in `--token`, `--token-file` or the variables; get one and export `ELIZA_TOKEN`',
  },
  TOKEN_MALFORMED: { status: ['fail'], meaning: 'the token has characters no HTTP header can carry' },
  TOKEN_INVALID: {
    status: ['fail'],
    meaning:
      '401: the token is wrong or expired; when another token variable holds one that works, it is named',
  },
  TOKEN_FORBIDDEN: {
    status: ['fail'],
    meaning: '403 on `/quota`: the token is valid but has no access (to this pool)',
  },
  QUOTA_EXHAUSTED: {
    status: ['warn', 'fail'],
    meaning:
      'nothing left for a model family (`/quota`, a warning), or 429 "Quota exceeded" (a failure); honours `Retry-After`',
  },
  QUOTA_UNRECOGNIZED: {
    status: ['warn'],
    meaning: 'the token works, but `/quota` answered a shape the doctor does not know; shown as is',
  },
  MODEL_NOT_FOUND: {
    status: ['fail'],
    meaning: '`--model` is not in `/v1/models`; the closest ids are named',
  },
  MODEL_INVALID: { status: ['fail'], meaning: '400 "not a valid model ID" on the chat route' },
  MODEL_NDA_REQUIRED: { status: ['fail'], meaning: '403 mentioning the NDA: accept it for that model' },
  MODEL_FORBIDDEN: { status: ['fail'], meaning: '403 on the chat route: no access to that model' },
  GATEWAY_OVERLOADED: {
    status: ['fail'],
    meaning: '429 "model … is overloaded" (or a bare 429); retry later, after `Retry-After`',
  },
  GATEWAY_ERROR: {
    status: ['fail'],
    meaning: "408 or 5xx: trouble on the gateway's side or a proxy's, usually temporary",
  },
  GATEWAY_CONTENT_TYPE: {
    status: ['warn'],
    meaning:
      'the answer is JSON but labelled otherwise (`text/plain`, …): something in between rewrites answers?',
  },
  GATEWAY_UNEXPECTED_RESPONSE: {
    status: ['fail'],
    meaning:
      'a 2xx that is not what Eliza sends: an HTML page from a proxy or captive portal, truncated or invalid JSON, a wrong shape',
  },
  GATEWAY_WRAPPED_RESPONSE: {
    status: ['fail'],
    meaning: "the raw route returned Eliza's wrapper, which SDKs cannot parse",
  },
  GATEWAY_NOT_FOUND: { status: ['fail'], meaning: "404: is the base URL the gateway's root?" },
  GATEWAY_BAD_REQUEST: {
    status: ['fail'],
    meaning: "another 400 on the chat route, with the gateway's message",
  },
  GATEWAY_UNEXPECTED_STATUS: { status: ['fail'], meaning: 'any other status' },
  GATEWAY_TIMEOUT: {
    status: ['fail'],
    meaning: 'the gateway accepted the request and did not answer within `--timeout`',
  },
  GATEWAY_RESET: {
    status: ['fail'],
    meaning: 'the connection was reset or closed before the answer was complete',
  },
  GATEWAY_TOO_LARGE: {
    status: ['fail'],
    meaning: 'the answer was far larger than any real one; reading stopped',
  },
  GATEWAY_TLS_REJECTED: {
    status: ['fail'],
    meaning: "the doctor's own request failed TLS verification after `tls` passed (the certificate changed?)",
  },
  GATEWAY_CONNECTION_FAILED: {
    status: ['fail'],
    meaning: "the doctor's own request could not connect after `tcp` passed",
  },
  STREAM_BUFFERED: {
    status: ['fail'],
    meaning:
      'the events of a streamed answer arrived together, not as the model generated them: the proxy on the route (named; `NO_PROXY` for the gateway) or a middlebox holds the stream',
  },
  STREAM_COMPRESSED: {
    status: ['fail', 'warn'],
    meaning:
      'the event stream came gzip/br-compressed: a failure when the encoder held the events back, a warning when they still flowed; `Accept-Encoding: identity`',
  },
  STREAM_UNTIMED: {
    status: ['warn'],
    meaning:
      "the events came while the doctor's own thread was held (another check's CPU work), on two looks: whether the route holds streams back could not be told; run again when the machine is less busy",
  },
  STREAM_CUT: {
    status: ['fail'],
    meaning:
      "the connection closed or broke mid-answer, before the stream's terminator: an idle timeout or a reset on the route",
  },
  STREAM_STALLED: {
    status: ['fail'],
    meaning:
      'no event for `--timeout` in the middle of a stream (or before its first event); a longer client timeout helps only when the model is merely slow',
  },
  STREAM_NOT_SSE: {
    status: ['fail'],
    meaning:
      'a streaming request got one JSON document, an HTML page, or events labelled other than `text/event-stream`',
  },
  STREAM_MALFORMED: {
    status: ['fail'],
    meaning: 'an event no SDK can read: not JSON, or not the shape of the wire API',
  },
  STREAM_ERROR_EVENT: {
    status: ['fail'],
    meaning:
      'the stream began (200) and then carried an error event (`data: {"error": ...}`, `event: error`): SDKs throw it mid-answer',
  },
  CLIENT_NOT_FOUND: {
    status: ['skip'],
    meaning: 'the AI client is neither installed nor configured on this machine: nothing to check',
  },
  CLIENT_NOT_ELIZA: {
    status: ['skip'],
    meaning:
      'the AI client is installed but not pointed at Eliza; the fix shows the lines that would point it there (`eliza-doctor setup <client>`)',
  },
  CLIENT_CONFIG_INVALID: {
    status: ['fail'],
    meaning: 'a config file the client reads cannot be parsed (file:line given); the client fails on it too',
  },
  CLIENT_CONFIG_IGNORED: {
    status: ['warn'],
    meaning:
      'a settings file the client ignores whole (Claude Code: not strict JSON, e.g. a comment or a trailing comma); the client works without it, but nothing in it counts',
  },
  CLIENT_BASE_URL_HTTP: {
    status: ['fail'],
    meaning:
      "the client's base URL says `http://`: Eliza answers only https, and the client's request just times out",
  },
  CLIENT_BASE_URL_NOT_RAW: {
    status: ['fail'],
    meaning:
      "the client's base URL uses Eliza's wrapped route (`/openai`, `/anthropic`), whose answers SDKs cannot read; use the `/raw/...` route",
  },
  CLIENT_WRONG_ROUTE: {
    status: ['fail'],
    meaning:
      "the client's base URL has no route or another one than its wire API needs (`/raw/anthropic` for Anthropic messages, `/raw/openai/v1` for OpenAI), or Eliza answered 404 there",
  },
  CLIENT_KEY_MISSING: {
    status: ['fail'],
    meaning:
      'the client is pointed at Eliza but has no key to send (the variable or setting it reads is empty)',
  },
  CLIENT_KEY_REJECTED: {
    status: ['fail'],
    meaning: 'Eliza answered 401/403 to the key as this client sends it (its header style included)',
  },
  CLIENT_KEYS_CONFLICT: {
    status: ['warn'],
    meaning:
      'the client sends two credentials at once (e.g. `ANTHROPIC_AUTH_TOKEN` and `ANTHROPIC_API_KEY`); keep the one Eliza takes',
  },
  CLIENT_MODEL_UNKNOWN: {
    status: ['fail'],
    meaning: "the client's model is not among the models GET /v1/models lists",
  },
  CLIENT_UNTRUSTED: {
    status: ['fail'],
    meaning:
      "the gateway's certificate does not verify against the CAs this client trusts (its own store, the OS store, the variable it reads)",
  },
  CLIENT_CA_UNREADABLE: {
    status: ['fail'],
    meaning:
      'a CA file the client is told to load is missing or holds no certificate: the client fails on start or on TLS',
  },
  CLIENT_NO_ANSWER: {
    status: ['fail'],
    meaning:
      "the client's own request got no usable answer (timeout, reset, an error status other than 401/403/404)",
  },
  CLIENT_NEW_SHELL_ONLY: {
    status: ['warn'],
    meaning:
      'a new terminal gives the client what it needs to trust the gateway (`CODEX_CA_CERTIFICATE`, `SSL_CERT_FILE`), this shell started before that: open a new terminal or export the variable shown',
  },
  CLIENT_WIRE_API_UNSUPPORTED: {
    status: ['fail'],
    meaning:
      'Codex is set to a wire API it no longer has (`wire_api = "chat"`) and refuses to start; set `wire_api = "responses"`',
  },
  CLIENT_PYTHON_STRICT_X509: {
    status: ['fail'],
    meaning:
      "a Python library trusts the internal CA but rejects it under Python ≥ 3.13's `VERIFY_X509_STRICT` (a CA's basicConstraints not critical, no Authority Key Identifier): the CA needs reissuing; no bundle cures it",
  },
  CLIENT_PYTHON_PROBE_FAILED: {
    status: ['fail'],
    meaning: 'the child `python3` could not tell which HTTP and AI libraries it has',
  },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
