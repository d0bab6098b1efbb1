import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where every child process runs: the filesystem root, which no user can plant a `json.py`, a
 * `.curlrc` or a git repository in (the temp folder can be written by anyone, the user's current
 * folder holds whatever they downloaded).
 */
export const NEUTRAL_CWD = path.parse(process.cwd()).root;

/** What every program needs to start at all. */
const BASE = ['PATH', 'HOME'];

export const PROXY_VARIABLES = [
  'https_proxy',
  'HTTPS_PROXY',
  'http_proxy',
  'HTTP_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'no_proxy',
  'NO_PROXY',
];

/** Only these names, and only those set: the token and the user's other secrets stay behind. */
export function pickEnv(env: Env, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of new Set([...BASE, ...names])) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/**
 * The fresh Node probe: what decides Node's trust at start-up, and nothing else. NODE_OPTIONS
 * can `--require` any file; of it, only the flags that choose the CA store are kept, since they
 * change the verdict (`--use-openssl-ca` reads SSL_CERT_FILE and SSL_CERT_DIR).
 */
export function nodeProbeEnv(env: Env): Record<string, string> {
  const picked = pickEnv(env, ['NODE_EXTRA_CA_CERTS', 'NODE_USE_SYSTEM_CA', 'SSL_CERT_FILE', 'SSL_CERT_DIR']);
  const storeFlags = (env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((flag) => /^--(use-openssl-ca|use-bundled-ca|use-system-ca)$/.test(flag));
  if (storeFlags.length > 0) picked.NODE_OPTIONS = storeFlags.join(' ');
  return picked;
}

/**
 * The Python probes, run with `-I` (which ignores every PYTHON* variable, PYTHONHTTPSVERIFY too:
 * it only changes urllib's default context, not the ssl.create_default_context() the probe
 * judges): which interpreter a pyenv shim runs (PYENV_VERSION, as in this shell), what decides
 * the trust of each library they judge (SSL_VERIFY: litellm's) and nothing else, no key, no
 * token. The probes reach a proxy by their arguments, so no proxy variable.
 */
export function pythonProbeEnv(env: Env): Record<string, string> {
  return pickEnv(env, [
    'PYENV_VERSION',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'REQUESTS_CA_BUNDLE',
    'CURL_CA_BUNDLE',
    'SSL_VERIFY',
  ]);
}

/** curl as the user runs it: its CA variables, its proxy variables and its ~/.curlrc. */
export function curlEnv(env: Env): Record<string, string> {
  return pickEnv(env, [
    'CURL_CA_BUNDLE',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'CURL_HOME',
    'XDG_CONFIG_HOME',
    ...PROXY_VARIABLES,
  ]);
}

/** `security`, `update-ca-certificates` and their kind: system tools that need nothing of the user's. */
export function systemToolEnv(env: Env): Record<string, string> {
  return pickEnv(env, ['LANG', 'LC_ALL']);
}

/** What the client checks read from the environment, as their clients do. */
const CLIENT_VARIABLES = [
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_CUSTOM_HEADERS',
  'ANTHROPIC_MODEL',
  'CLAUDE_CODE_CERT_STORE',
  'CLAUDE_CONFIG_DIR',
];
const SECRET_NAME = /TOKEN|SECRET|PASS(WORD|WD)?|AUTH|KEY|CREDENTIAL|COOKIE|SESSION/i;
const RECHECK_NAMES = [
  // The gateway the re-check judges, when the user's environment chose it rather than a flag.
  'ELIZA_BASE_URL',
  'SHELL',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TMPDIR',
  'ZDOTDIR',
  'CI',
  'NO_COLOR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'CURL_HOME',
  'PYTHONHTTPSVERIFY',
  // Which python3 a pyenv shim runs: the re-check judges the interpreter the check did.
  'PYENV_VERSION',
  ...PROXY_VARIABLES,
  // The client checks the re-check runs too read their client's own variables, its key included:
  // the child is this doctor, which registers the key as a secret before anything prints.
  ...CLIENT_VARIABLES,
];
const RECHECK_PREFIXES = [
  'XDG_',
  'NODE_',
  'SSL_CERT_',
  'GIT_',
  'PIP_',
  'NPM_CONFIG_',
  'npm_config_',
  'CODEX_',
];

/**
 * `fix`'s re-check: the doctor itself judging trust as a new terminal would. It needs what the
 * trust checks read (startup-file locations, the trust, proxy, git, pip and npm settings) and no
 * Eliza token; of secret-looking variables only the keys the client checks it re-runs send as
 * their clients do. Proxy URLs keep
 * their credentials: the route to the gateway depends on them.
 */
export function recheckEnv(env: Env): Record<string, string> {
  const names = Object.keys(env).filter(
    (name) =>
      RECHECK_NAMES.includes(name) ||
      (name !== 'NODE_OPTIONS' &&
        RECHECK_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
        !SECRET_NAME.test(name)),
  );
  const { NODE_OPTIONS } = nodeProbeEnv(env);
  return { ...pickEnv(env, names), ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}) };
}
