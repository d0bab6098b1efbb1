import { curlEnv, NEUTRAL_CWD } from '../src/child-env.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck } from '../src/engine/types.ts';
import type { TrustSystemFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { javaNotes, readJavaTrust } from '../src/onboard/java.ts';
import { quickFingerprints } from '../src/pki/cert.ts';
import { selfCommand } from '../src/self.ts';
import { readGitConfig } from '../src/trust/gitconfig.ts';
import { installedBundlePath } from '../src/trust/locations.ts';
import { readSystemStore, type SystemStore, systemInstallCommands } from '../src/trust/system.ts';
import { probeNewTerminal } from '../src/trust/terminal.ts';
import { differing, loadHereFix } from './shared/this-shell.ts';
import { probeTarget, TRUST_PROBE_SCHEDULE } from './shared/trust-probe.ts';

/** What decides which CAs curl trusts, as a shell hands it down. */
const CURL_TRUST_VARIABLES = ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

export const trustSystemCheck = defineCheck({
  id: 'trust-system',
  title: 'OS store, curl and git trust',
  ...TRUST_PROBE_SCHEDULE,
  async run(ctx) {
    const { address } = await probeTarget(ctx);
    const pinned = ctx.config.caSha256;
    // curl starts now; reading the stores (thousands of lines of PEM, Java's keystore) waits for
    // tls's handshake, which would otherwise be stamped late behind it. A broken tls: the runner
    // reports this check skipped, whatever is read.
    const handshaken = ctx.result('tls').then(
      () => undefined,
      () => undefined,
    );
    const reading = handshaken.then(() => readSystemStore(ctx.host, pinned));
    const {
      terminal,
      result: [store, curl, git, java],
    } = await probeNewTerminal(ctx.host, ctx.config.timeoutMs, (env) =>
      Promise.all([
        reading,
        curlVerdict(ctx, env, address),
        handshaken.then(() => gitVerdict(ctx, env, reading)),
        handshaken.then(() => readJavaTrust(ctx.host, pinned, installedBundlePath(ctx.host))),
      ]),
    );
    const data: TrustSystemFacts = { store, curl, git, java };
    // Right after a fix, this shell still has what it started with: curl judged with it too.
    const changed = differing(ctx.host.env, terminal.env, CURL_TRUST_VARIABLES);
    const curlHere =
      changed.length > 0 && curl?.trusted ? await curlVerdict(ctx, ctx.host.env, address) : null;
    const details = [
      store.bundle
        ? `OS bundle ${store.bundle}: ${store.bundleHasRoot ? 'holds' : 'lacks'} the internal root`
        : 'no OS bundle found',
      ...(store.anchors.length ? [`installed as an anchor: ${store.anchors.join(', ')}`] : []),
      ...(store.keychain !== null
        ? [
            `macOS System keychain: ${store.keychain ? 'holds' : 'lacks'} the internal root${store.keychain ? (store.keychainSslTrusted === null ? ' (its SSL trust could not be read)' : store.keychainSslTrusted ? ', trusted for SSL' : ', but no trust setting makes it a trusted root for SSL (security add-trusted-cert -d -r trustRoot)') : ''}`,
          ]
        : []),
      ...(curl ? [`curl (${curl.path}): ${curl.detail}`] : ['curl: not installed']),
      ...(git
        ? [
            `git (${git.path}) reads ${git.caFile ?? 'its built-in bundle'}: ${git.trusted === null ? 'unknown' : git.trusted ? 'holds the internal root' : 'lacks the internal root'}`,
          ]
        : []),
      ...(java ? javaNotes(java) : []),
    ];
    const fix = trustFix(ctx.config, ctx.host.env);
    // Programs that read only the OS store need root to fix: said, not made the next step.
    details.push(
      `the OS store itself needs root: ${selfCommand(ctx.config.invocation, ['fix', '--system'])} (as root), or by hand: ${systemInstallCommands(store, ctx.host.platform, installedBundlePath(ctx.host)).join('; ')}`,
    );
    const tls = await ctx.result('tls');
    const internal = tls.data.anchor === 'internal';
    if (internal && curlHere?.trusted === false) {
      details.unshift(
        `this shell (${changed.map((n) => `${n}=${ctx.host.env[n] ?? 'unset'}`).join(', ')}): curl ${curlHere.detail}`,
      );
      return warn(
        'TRUST_SYSTEM_NEW_SHELL_ONLY',
        "a new terminal's curl trusts the gateway; this shell's does not (it started before that)",
        { details, data, fix: loadHereFix(ctx, terminal.env, changed) },
      );
    }
    if (internal && curl?.trusted === false) {
      return fail('TRUST_SYSTEM_CURL_UNTRUSTED', `curl rejects the gateway: ${curl.detail}`, {
        details,
        data,
        fix,
      });
    }
    if (internal && git?.trusted === false) {
      return fail(
        'TRUST_SYSTEM_GIT_UNTRUSTED',
        `git's CA bundle (${git.caFile ?? 'built in'}) lacks the internal root`,
        { details, data, fix },
      );
    }
    if (internal && store.anchors.length > 0 && !store.bundleHasRoot) {
      return warn(
        'TRUST_SYSTEM_NOT_UPDATED',
        `the internal root is installed in ${store.anchors[0]} but not built into ${store.bundle}`,
        {
          details,
          data,
          fix: manualFix('rebuild the OS bundle', [store.family?.update ?? 'sudo update-ca-certificates']),
        },
      );
    }
    const keychainTrusts = store.keychain === true && store.keychainSslTrusted !== false;
    if (internal && !curl && !git && !store.bundleHasRoot && !keychainTrusts) {
      return warn(
        'TRUST_SYSTEM_STORE_MISSING_CA',
        'the OS store lacks the internal root: tools that use it will reject the gateway',
        { details, data, fix },
      );
    }
    const tools = [curl ? 'curl' : null, git ? 'git' : null].filter(Boolean).join(' and ');
    const summary = !internal
      ? 'the gateway chains to a public root, which the OS store has'
      : tools
        ? `${tools} trust the gateway`
        : 'the OS store holds the internal root';
    return pass(summary, {
      details,
      data,
    });
  },
});

async function curlVerdict(ctx: CheckContext, env: Record<string, string | undefined>, address: string) {
  const curl = await ctx.host.findExecutable('curl');
  if (!curl) return null;
  const { host, port } = ctx.config.target;
  const result = await ctx.host.exec(
    curl,
    [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      String(ctx.config.timeoutMs / 1000),
      // Through a proxy, curl finds it in the environment itself; direct, it goes where the doctor went.
      ...(gatewayRoute(ctx).via
        ? []
        : ['--resolve', `${host}:${port}:${address.includes(':') ? `[${address}]` : address}`]),
      `https://${host}:${port}/`,
    ],
    { env: curlEnv(env), cwd: NEUTRAL_CWD, timeoutMs: ctx.config.timeoutMs + 1000, signal: ctx.signal },
  );
  // curl's exit codes: 0 done; 60 the peer's certificate cannot be authenticated; 77 no CA file.
  if (result.code === 0)
    return { path: curl, trusted: true, detail: `trusts the gateway (HTTP ${result.stdout.trim()})` };
  const message =
    result.stderr
      .trim()
      .split('\n')[0]
      ?.replace(/^curl: \(\d+\)\s*/, '') ?? '';
  if (result.code === 60 || result.code === 77)
    return { path: curl, trusted: false, detail: `exit ${result.code}: ${message}` };
  return {
    path: curl,
    trusted: null,
    detail: `could not tell (exit ${result.code ?? result.error}: ${message})`,
  };
}

async function gitVerdict(
  ctx: CheckContext,
  env: Record<string, string | undefined>,
  reading: Promise<SystemStore>,
) {
  const git = await ctx.host.findExecutable('git');
  if (!git) return null;
  const fromConfig = (await readGitConfig(ctx.host)).filter((s) => s.key === 'http.sslcainfo').at(-1)?.value;
  const caFile = env.GIT_SSL_CAINFO?.trim() || fromConfig?.replace(/^~(?=\/)/, ctx.host.home) || null;
  if (!caFile) {
    // git's default is the OS bundle, which the store reading has judged already.
    const store = await reading;
    return { path: git, caFile: store.bundle, trusted: store.bundle ? store.bundleHasRoot : null };
  }
  const file = caFile;
  const bytes = await ctx.host.readFile(file, 16 * 1024 * 1024).catch(() => null);
  return {
    path: git,
    caFile: file,
    trusted: bytes ? quickFingerprints(bytes).some((fp) => ctx.config.caSha256.includes(fp)) : false,
  };
}
