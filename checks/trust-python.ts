import type { Code } from '../src/codes.ts';
import { fail, manualFix, pass, skip, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck } from '../src/engine/types.ts';
import type { TrustPythonFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { verifyInternalBundle } from '../src/pki/bundle.ts';
import { parsePemBundle, quickFingerprints } from '../src/pki/cert.ts';
import { shellCommand } from '../src/quote.ts';
import { readPipConfig } from '../src/trust/pip.ts';
import type { HandshakeVerdict } from '../src/trust/probes.ts';
import { pythonHandshake } from '../src/trust/python.ts';
import { probeNewTerminal } from '../src/trust/terminal.ts';
import { differing, loadHereFix } from './shared/this-shell.ts';
import { earlyProbeTarget, TRUST_PROBE_SCHEDULE } from './shared/trust-probe.ts';

/** More certificates than any internal bundle holds: a general one, with public roots. */
const SMALL_BUNDLE = 20;
const BUNDLE_VARIABLES = ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'PIP_CERT'] as const;
const MAX_BUNDLE = 16 * 1024 * 1024;
/** What decides which CAs Python trusts, as a shell hands it down. */
const PYTHON_TRUST_VARIABLES = ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

export const trustPythonCheck = defineCheck({
  id: 'trust-python',
  title: 'Python trust',
  ...TRUST_PROBE_SCHEDULE,
  async run(ctx) {
    const data: TrustPythonFacts = {
      python: null,
      executable: null,
      version: null,
      certifi: null,
      requests: null,
      requestsBundle: null,
      requestsWay: null,
      sslDefault: null,
      variables: [],
    };
    const python = await ctx.host.findExecutable('python3');
    if (!python) return skip('TRUST_PYTHON_NOT_FOUND', 'no python3 on PATH: nothing to check', { data });
    data.python = python;
    const target = earlyProbeTarget(ctx);
    const { terminal, result: probe } = await probeNewTerminal(ctx.host, ctx.config.timeoutMs, (env) =>
      pythonHandshake(ctx.host, python, env, target, ctx.config.timeoutMs, ctx.signal),
    );
    const env = terminal.env;
    // Right after a fix, this shell still has what it started with: judged too, and told apart.
    const changed = differing(ctx.host.env, env, PYTHON_TRUST_VARIABLES);
    const here =
      changed.length > 0 && !('error' in probe)
        ? await pythonHandshake(ctx.host, python, ctx.host.env, target, ctx.config.timeoutMs, ctx.signal)
        : null;
    if ('error' in probe)
      return fail('TRUST_PYTHON_PROBE_FAILED', `could not test Python: ${probe.error}`, {
        data,
        fix: manualFix(`check that ${python} runs: the doctor starts it as \`python3 -I\``, [
          shellCommand([python, '-I', '-c', 'import ssl; print(ssl.OPENSSL_VERSION)']),
        ]),
      });
    Object.assign(data, {
      executable: probe.executable,
      version: probe.version,
      certifi: probe.certifi,
      requests: probe.requests,
      requestsBundle: probe.requestsBundle,
      requestsWay: probe.requestsWay,
      sslDefault: probe.sslDefault,
    });
    const problems = await bundleVariables(ctx, env, data);
    const details = [
      `Python ${probe.version}${probe.executable && probe.executable !== python ? ` (${probe.executable})` : ''}${probe.requests ? `, requests ${probe.requests}` : ', no requests'}${probe.certifi ? `, certifi ${probe.certifi}` : ''}`,
      `as requests verifies (${probe.requestsBundle ?? 'no bundle'}): ${verdictText(probe.requestsWay)}`,
      `as ssl.create_default_context() verifies (${env.SSL_CERT_FILE ?? probe.opensslCafile ?? 'OpenSSL defaults'}): ${verdictText(probe.sslDefault)}`,
      ...data.variables.map((v) => `${v.name}=${v.value}: ${v.verdict}`),
    ];
    const fix = trustFix(ctx.config, ctx.host.env);
    const missing = problems.find((p) => p.code === 'TRUST_PYTHON_BUNDLE_MISSING');
    if (missing) return fail(missing.code, missing.text, { details, data, fix });
    const requestsOk = probe.requestsWay?.authorized !== false;
    const sslOk = probe.sslDefault.authorized !== false;
    // Without requests (or any bundle for it), the ssl way is the only way Python verifies:
    // its failure is Python's, the same verdict whether requests happens to be installed or not.
    if (!sslOk && (!requestsOk || probe.requestsWay === null)) {
      return fail(
        'TRUST_PYTHON_UNTRUSTED',
        `Python rejects the gateway: ${probe.sslDefault.error} (CERTIFICATE_VERIFY_FAILED)`,
        { details, data, fix },
      );
    }
    if (!requestsOk) {
      return fail(
        'TRUST_PYTHON_REQUESTS_UNTRUSTED',
        `requests rejects the gateway: ${probe.requestsBundle} lacks the internal CA`,
        { details, data, fix },
      );
    }
    if (!sslOk) {
      return fail(
        'TRUST_PYTHON_SSL_UNTRUSTED',
        `ssl.create_default_context() rejects the gateway (urllib and aiohttp use it; httpx does when SSL_CERT_FILE or SSL_CERT_DIR is set, certifi otherwise): ${probe.sslDefault.error}`,
        { details, data, fix },
      );
    }
    if (here && !('error' in here)) {
      const hereOk = here.requestsWay?.authorized !== false && here.sslDefault.authorized !== false;
      details.unshift(
        `this shell (${changed.map((n) => `${n}=${ctx.host.env[n] ?? 'unset'}`).join(', ')}): ${hereOk ? 'trusts the gateway' : `rejects it (${here.sslDefault.error ?? here.requestsWay?.error})`}`,
      );
      if (!hereOk) {
        return warn(
          'TRUST_PYTHON_NEW_SHELL_ONLY',
          "a new terminal's Python trusts the gateway; this shell's does not (it started before that)",
          { details, data, fix: loadHereFix(ctx, env, changed) },
        );
      }
    }
    const internalOnly = problems.find((p) => p.code === 'TRUST_PYTHON_INTERNAL_ONLY_BUNDLE');
    if (internalOnly) return warn(internalOnly.code, internalOnly.text, { details, data, fix });
    return pass(
      probe.requests
        ? 'Python trusts the gateway, both as requests and as ssl verify'
        : 'Python trusts the gateway as ssl verifies (urllib, aiohttp; httpx when SSL_CERT_FILE or SSL_CERT_DIR is set); requests is not installed',
      { details, data },
    );
  },
});

function verdictText(v: HandshakeVerdict | null): string {
  if (!v) return 'not tried';
  if (v.authorized === true) return 'trusted';
  if (v.authorized === false) return `rejected (${v.error})`;
  return `could not tell (${v.error})`;
}

/** A variable naming a missing file breaks Python; one naming an internal-only bundle breaks public hosts. */
async function bundleVariables(
  ctx: CheckContext,
  env: Record<string, string | undefined>,
  data: TrustPythonFacts,
) {
  const problems: { code: Code; text: string }[] = [];
  const named: [string, string][] = BUNDLE_VARIABLES.flatMap((name) => {
    const value = env[name]?.trim();
    return value ? [[name, value] as [string, string]] : [];
  });
  named.push(...(await pipCertSettings(ctx)));
  for (const [name, value] of named) {
    let bytes: Buffer;
    try {
      bytes = await ctx.host.readFile(value, MAX_BUNDLE);
    } catch {
      const isDir = await ctx.host.stat(value).then(
        (s) => s.isDirectory(),
        () => false,
      );
      data.variables.push({ name, value, verdict: isDir ? 'a directory' : 'no such file' });
      if (!isDir)
        problems.push({
          code: 'TRUST_PYTHON_BUNDLE_MISSING',
          text: `${name} names ${value}, which does not exist: Python's HTTPS fails everywhere`,
        });
      continue;
    }
    // A general bundle (certifi, the OS's) holds a hundred-odd roots: counting them by hash is
    // enough there; only a small one can be internal-only, and only that is worth parsing.
    const fingerprints = quickFingerprints(bytes);
    const hasRoot = fingerprints.some((fp) => ctx.config.caSha256.includes(fp));
    const internalOnly =
      hasRoot &&
      fingerprints.length <= SMALL_BUNDLE &&
      verifyInternalBundle(parsePemBundle(bytes), ctx.config.caSha256, ctx.host.now()).kept.length ===
        fingerprints.length;
    if (internalOnly) {
      data.variables.push({ name, value, verdict: 'internal CAs only' });
      problems.push({
        code: 'TRUST_PYTHON_INTERNAL_ONLY_BUNDLE',
        text: `${name} names ${value}, which holds only internal CAs: public hosts (pypi.org, api.openai.com) then fail`,
      });
    } else {
      const root = hasRoot ? ', the internal root among them' : ', no internal root';
      data.variables.push({ name, value, verdict: `${fingerprints.length} certificates${root}` });
    }
  }
  return problems;
}

/** pip's own `cert = PATH` setting, which overrides certifi for pip alone. */
async function pipCertSettings(ctx: CheckContext): Promise<[string, string][]> {
  return (await readPipConfig(ctx.host))
    .filter((s) => s.key === 'cert' && s.value)
    .map((s) => [`pip's cert (${s.file})`, s.value.replace(/^~(?=\/)/, ctx.host.home)]);
}
