import path from 'node:path';
import {
  authJsonKey,
  CODEX_API_KEY_VARIABLE,
  CODEX_CLIENT,
  CODEX_TRUST_CODES,
  type CodexSetup,
  codexFixWanted,
  codexHome,
  codexSnippet,
  parseCodexConfig,
  shownPath,
  tokenVariable,
} from '../src/clients/codex.ts';
import type { ClientTarget, ClientTrust, Credential } from '../src/clients/types.ts';
import type { Code } from '../src/codes.ts';
import { displayable } from '../src/display.ts';
import { fail, manualFix, usable, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix } from '../src/engine/types.ts';
import type { Host } from '../src/host.ts';
import { hasControlCharacters, quote } from '../src/quote.ts';
import { selfCommand } from '../src/self.ts';
import { openAiResponses } from '../src/stream/openai-responses.ts';
import { installedBundlePath } from '../src/trust/locations.ts';
import { resolveNewTerminal } from '../src/trust/terminal.ts';
import {
  CLIENT_SCHEDULE,
  clientConfigInvalid,
  clientNotEliza,
  clientNotFound,
  emptyFacts,
  judgeClient,
  osStorePem,
  pointsAtEliza,
  readCaFile,
} from './shared/client.ts';
import { differing } from './shared/this-shell.ts';

type Env = Readonly<Record<string, string | undefined>>;
/** What Codex's trust depends on among the variables a new terminal may set otherwise. */
const CODEX_TRUST_VARIABLES = ['CODEX_CA_CERTIFICATE', 'SSL_CERT_FILE'] as const;

const MAX_CONFIG = 1024 * 1024;
/**
 * The model Codex 0.171 uses when config.toml names none: an OpenAI name Eliza is unlikely to
 * offer, so a config without `model` fails there as it fails against the loopback gateway.
 */
export const CODEX_DEFAULT_MODEL = 'gpt-6.2-sol';

export const clientCodexCheck = defineCheck({
  id: 'client-codex',
  title: 'Codex CLI',
  ...CLIENT_SCHEDULE,
  async run(ctx) {
    const { host } = ctx;
    const home = codexHome(host.env, host.home);
    const binary = await host.findExecutable('codex');
    const homeExists = await host.stat(home.dir).then(
      () => true,
      () => false,
    );
    if (!binary && !homeExists) return clientNotFound(CODEX_CLIENT);
    const found = binary ? `codex at ${displayable(binary)}` : `${home.shown} exists`;
    const configShown = shownPath(home.configFile, host.home);

    let text = '';
    try {
      text = (await host.readFile(home.configFile, MAX_CONFIG)).toString('utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        return clientConfigInvalid(
          CODEX_CLIENT,
          configShown,
          code === 'EFBIG' ? 'larger than 1 MiB' : `unreadable (${code})`,
        );
      }
    }
    const parsed = parseCodexConfig(text, configShown, host.env);
    if (parsed.kind === 'invalid') return clientConfigInvalid(CODEX_CLIENT, parsed.source, parsed.reason);
    const setup = parsed.setup;
    const snippet = codexSnippet({
      baseUrl: `${ctx.config.target.baseUrl}/raw/openai/v1`,
      envKey: tokenVariable(ctx.config),
      model: ctx.config.model,
    });
    if (!pointsAtEliza(ctx, setup.baseUrl.value)) {
      return clientNotEliza(
        CODEX_CLIENT,
        found,
        {
          summary: `to point Codex at Eliza, put these lines in ${configShown} (${selfCommand(ctx.config.invocation, ['setup', 'codex'], false)} prints them): ${snippet.trim().split('\n').filter(Boolean).join('; ')}`,
          commands: [],
        },
        { value: setup.baseUrl.value, source: setup.baseUrl.source },
      );
    }

    const editFix = (what: string): Fix => ({
      summary: `eliza-doctor fix edits ${configShown}: ${what} (comments and other settings kept)`,
      commands: [selfCommand(ctx.config.invocation, ['fix'], false)],
      automated: true,
    });
    if (setup.wireApi.value !== 'responses') {
      return fail(
        'CLIENT_WIRE_API_UNSUPPORTED',
        `${CODEX_CLIENT}: wire_api = "${displayable(setup.wireApi.value)}" (${setup.wireApi.source}); Codex 0.171 has only "responses" and refuses to start`,
        { data: { ...emptyFacts(true), pointedAtEliza: true }, fix: editFix('wire_api = "responses"') },
      );
    }

    const credentials = await codexCredentials(ctx, setup, home.authFile);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(setup.httpHeaders)) {
      if (name.toLowerCase() !== 'authorization') headers[name.toLowerCase()] = value;
    }
    for (const [name, variable] of Object.entries(setup.envHttpHeaders)) {
      const value = host.env[variable];
      if (value && name.toLowerCase() !== 'authorization') headers[name.toLowerCase()] = value;
    }
    const trust = await codexTrust(host, host.env);
    const model = setup.model ?? {
      value: CODEX_DEFAULT_MODEL,
      source: `Codex's own default (no model in ${configShown})`,
    };

    // What `fix` would change in config.toml for each verdict; only where it can.
    const wanted = codexFixWanted(setup, {
      config: ctx.config,
      env: host.env,
      models: await modelIds(ctx),
    });
    const fixes: Partial<Record<Code, Fix>> = {};
    const baseFix = wanted.baseUrl ? editFix(`base_url = "${wanted.baseUrl}"`) : undefined;
    if (baseFix) {
      fixes.CLIENT_BASE_URL_HTTP = baseFix;
      fixes.CLIENT_BASE_URL_NOT_RAW = baseFix;
      fixes.CLIENT_WRONG_ROUTE = baseFix;
    }
    if (wanted.envKey) {
      fixes.CLIENT_KEY_MISSING = editFix(`env_key = "${wanted.envKey}", the variable your token is in`);
      fixes.CLIENT_KEY_REJECTED = fixes.CLIENT_KEY_MISSING;
    } else if (setup.envKey && !host.env[setup.envKey.value]) {
      fixes.CLIENT_KEY_MISSING = manualFix(
        `Codex sends the value of ${setup.envKey.value} (env_key, ${setup.envKey.source}), which is not set here: export it in your shell startup file`,
      );
    }
    if (wanted.model) fixes.CLIENT_MODEL_UNKNOWN = editFix(`model = "${wanted.model}"`);
    fixes.CLIENT_UNTRUSTED = trustFix(ctx);
    fixes.CLIENT_CA_UNREADABLE = fixes.CLIENT_UNTRUSTED;

    const target: ClientTarget = {
      client: CODEX_CLIENT,
      baseUrl: { value: setup.baseUrl.value, source: setup.baseUrl.source },
      api: openAiResponses,
      family: 'openai',
      credentials,
      headers,
      model,
      trust,
    };
    const verdict = await judgeClient(ctx, target, { fixes });
    if (!verdict.code || !CODEX_TRUST_CODES.includes(verdict.code)) return verdict;
    // Codex reads its CA variables at start: a new terminal (after fix) may trust where this shell does not.
    const terminal = await resolveNewTerminal(host, { timeoutMs: ctx.config.timeoutMs, signal: ctx.signal });
    const changed = differing(host.env, terminal.env, CODEX_TRUST_VARIABLES);
    if (changed.length === 0) return verdict;
    const there = await codexTrust(host, terminal.env);
    const again = await judgeClient(ctx, { ...target, trust: there }, { fixes });
    if (again.status !== 'pass') return verdict;
    return warn(
      'CLIENT_NEW_SHELL_ONLY',
      `${CODEX_CLIENT}: a new terminal trusts the gateway (${there.label}); this shell started before that`,
      {
        data: again.data,
        details: [again.summary],
        // Not `eval "$(eliza-doctor env)"`: that prints the Node/Python/curl variables, not Codex's.
        fix: manualFix(
          'open a new terminal, or load the settings into this shell',
          changed.map((name) => {
            const value = terminal.env[name];
            if (value === undefined) return `unset ${name}`;
            // A stray CR (a CRLF startup file) cannot be pasted; a new terminal is the way then.
            return hasControlCharacters(value)
              ? `# ${name}: open a new terminal`
              : `export ${name}=${quote(value)}`;
          }),
        ),
      },
    );
  },
});

/** What Codex sends as its key: env_key's variable as Bearer, or an Authorization header given whole. */
async function codexCredentials(
  ctx: CheckContext,
  setup: CodexSetup,
  authFile: string,
): Promise<Credential[]> {
  const { env } = ctx.host;
  const credentials: Credential[] = [];
  if (setup.builtIn) {
    const fromEnv = env[CODEX_API_KEY_VARIABLE];
    if (fromEnv) {
      ctx.registerSecret(fromEnv);
      return [{ header: 'bearer', value: fromEnv, source: `environment ${CODEX_API_KEY_VARIABLE}` }];
    }
    const saved = await ctx.host
      .readFile(authFile, MAX_CONFIG)
      .then((b) => authJsonKey(b.toString('utf8')))
      .catch(() => null);
    if (saved) ctx.registerSecret(saved);
    return [
      {
        header: 'bearer',
        value: saved ?? '',
        source: saved ? shownPath(authFile, ctx.host.home) : `${CODEX_API_KEY_VARIABLE} or codex login`,
      },
    ];
  }
  if (setup.envKey) {
    const value = env[setup.envKey.value] ?? '';
    if (value) ctx.registerSecret(value);
    credentials.push({
      header: 'bearer',
      value,
      source: `environment ${setup.envKey.value} (env_key, ${setup.envKey.source})`,
    });
  }
  for (const [name, value] of Object.entries(setup.httpHeaders)) {
    if (name.toLowerCase() !== 'authorization') continue;
    ctx.registerSecret(value);
    credentials.push({ header: 'header', name: 'Authorization', value, source: `http_headers.${name}` });
  }
  for (const [name, variable] of Object.entries(setup.envHttpHeaders)) {
    if (name.toLowerCase() !== 'authorization') continue;
    const value = env[variable] ?? '';
    if (value) ctx.registerSecret(value);
    credentials.push({
      header: 'header',
      name: 'Authorization',
      value,
      source: `environment ${variable} (env_http_headers.${name})`,
    });
  }
  return credentials;
}

/**
 * The CAs Codex trusts (measured with codex 0.171, rustls with native roots): the OS store, or
 * instead of it what SSL_CERT_FILE / SSL_CERT_DIR name (rustls-native-certs reads those first);
 * plus CODEX_CA_CERTIFICATE, else SSL_CERT_FILE, which Codex must be able to load or it never
 * connects. NODE_EXTRA_CA_CERTS is Node's and means nothing to it.
 */
async function codexTrust(host: Host, env: Env): Promise<ClientTrust> {
  const sslFile = env.SSL_CERT_FILE?.trim() || '';
  const sslDir = env.SSL_CERT_DIR?.trim() || '';
  const codexCa = env.CODEX_CA_CERTIFICATE?.trim() || '';
  const pems: string[] = [];
  const labels: string[] = [];
  if (sslFile || sslDir) {
    const named: string[] = [];
    if (sslFile) {
      const read = await readCaFile(host, sslFile, 'SSL_CERT_FILE');
      if (read.ok) pems.push(read.pem);
      named.push(`SSL_CERT_FILE (${displayable(sslFile)})`);
    }
    if (sslDir) {
      for (const name of (await host.listDir(sslDir)).sort()) {
        if (!/\.(pem|crt|\d+)$/.test(name)) continue;
        const read = await readCaFile(host, path.join(sslDir, name), 'SSL_CERT_DIR');
        if (read.ok) pems.push(read.pem);
      }
      named.push(`SSL_CERT_DIR (${displayable(sslDir)})`);
    }
    labels.push(`${named.join(' + ')} in place of the OS store`);
  } else {
    const os = await osStorePem(host);
    pems.push(os.pem);
    labels.push(os.path ? `the OS store (${os.path})` : 'the OS store (none found)');
  }
  let broken: ClientTrust['broken'] = null;
  const extraVariable = codexCa ? 'CODEX_CA_CERTIFICATE' : sslFile ? 'SSL_CERT_FILE' : null;
  if (extraVariable) {
    const file = codexCa || sslFile;
    const read = await readCaFile(host, file, extraVariable);
    if (read.ok) pems.push(read.pem);
    else broken = read.broken;
    if (codexCa) labels.push(`CODEX_CA_CERTIFICATE (${displayable(codexCa)})`);
  }
  return { label: labels.join(' + '), pem: pems.join('\n'), broken };
}

/** Codex's way to trust the CA: the OS store or CODEX_CA_CERTIFICATE; never NODE_EXTRA_CA_CERTS. */
function trustFix(ctx: CheckContext): Fix {
  const caPath = installedBundlePath(ctx.host);
  const nodeOnly = ctx.host.env.NODE_EXTRA_CA_CERTS?.trim()
    ? 'NODE_EXTRA_CA_CERTS does nothing for Codex (a Rust program: it reads the OS store, CODEX_CA_CERTIFICATE or SSL_CERT_FILE); '
    : '';
  return {
    summary: `${nodeOnly}eliza-doctor fix installs the internal CA at ${displayable(caPath)} and sets CODEX_CA_CERTIFICATE to it in your shell startup files; or, for every program at once, put it in the OS store (sudo -H ${selfCommand(ctx.config.invocation, ['fix', '--system'], false)})`,
    commands: [selfCommand(ctx.config.invocation, ['fix'], false)],
    automated: true,
  };
}

async function modelIds(ctx: CheckContext): Promise<string[] | null> {
  if (ctx.config.offline) return null;
  const models = await ctx.result('models').catch(() => null);
  return models && usable(models) ? models.data.ids : null;
}
