import type { CaSource, PythonClientsProbe, WayName, WayVerdict } from './python-probe.ts';

/**
 * What each Python library the doctor knows verifies with, and how to make it trust the gateway.
 * Pure: the probe's answer and the environment in, verdicts out.
 */

/** The distributions judged as clients; certifi and truststore are CA sources, not clients. */
export const PYTHON_CLIENT_LIBRARIES = [
  'requests',
  'httpx',
  'httpx2',
  'aiohttp',
  'openai',
  'anthropic',
  'litellm',
  'langchain-openai',
  'aider-chat',
] as const;
export type PythonLibrary = (typeof PYTHON_CLIENT_LIBRARIES)[number];

export interface LibraryVerdict {
  library: PythonLibrary;
  version: string;
  way: WayName;
  /** Where its CAs come from, in words: "certifi", "OS store", "SSL_CERT_FILE". */
  trust: string;
  authorized: boolean | null;
  error: string | null;
  strictOnly: boolean;
}

/** The way each library verifies, as the probe named them. */
export function wayOf(
  library: PythonLibrary,
  probe: Pick<PythonClientsProbe, 'stacks' | 'libraries'>,
  env: Readonly<Record<string, string | undefined>>,
): WayName | null {
  switch (library) {
    case 'requests':
      return 'requests';
    case 'httpx':
      return 'httpx';
    case 'httpx2':
      return 'httpx2';
    case 'aiohttp':
      return 'ssl';
    case 'openai':
    case 'anthropic':
      return sdkWay(probe.stacks[library] ?? null);
    case 'litellm':
    case 'aider-chat':
      return 'litellm';
    case 'langchain-openai':
      // With OPENAI_PROXY it builds its own httpx client on a certifi-only context.
      if (env.OPENAI_PROXY?.trim()) return 'certifi';
      return probe.libraries.openai ? sdkWay(probe.stacks.openai ?? null) : null;
  }
}

function sdkWay(stack: 'httpx' | 'httpx2' | null): WayName | null {
  return stack === 'httpx2' ? 'httpx2' : stack === 'httpx' ? 'httpx' : null;
}

export function trustLabel(source: CaSource): string {
  if (source.variable) return source.variable;
  if (source.kind === 'os') return 'OS store';
  if (source.kind === 'certifi') return 'certifi';
  return source.path ?? 'unknown';
}

export function libraryVerdicts(
  probe: PythonClientsProbe,
  env: Readonly<Record<string, string | undefined>>,
): LibraryVerdict[] {
  const verdicts: LibraryVerdict[] = [];
  for (const library of PYTHON_CLIENT_LIBRARIES) {
    const version = probe.libraries[library];
    if (!version) continue;
    const way = wayOf(library, probe, env);
    const judged: WayVerdict | undefined = way ? probe.ways[way] : undefined;
    if (!way || !judged) continue;
    verdicts.push({
      library,
      version,
      way,
      trust: trustLabel(judged.source),
      authorized: judged.authorized,
      error: judged.error,
      strictOnly: judged.strictOnly,
    });
  }
  return verdicts;
}

/** "requests 2.34 works (certifi)", "openai 3.22 does not (OS store: unable to get local issuer certificate)". */
export function verdictLine(v: LibraryVerdict): string {
  const name = `${v.library} ${shortVersion(v.version)}`;
  if (v.authorized === true) return `${name} works (${v.trust})`;
  if (v.authorized === false) return `${name} does not (${v.trust}: ${v.error})`;
  return `${name} could not be tried (${v.error})`;
}

export function shortVersion(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** How each failing library comes to trust the gateway, in its own terms. */
export function libraryFix(v: LibraryVerdict): string {
  if (v.strictOnly) {
    return `${v.library}: Python ${'≥'}3.13 verifies with VERIFY_X509_STRICT, and the internal CA breaks its rules (${v.error}); the CA must be reissued, or the library given a context without that flag`;
  }
  if (v.error?.startsWith('bundle: ')) {
    return `${v.library}: ${v.trust} names a file it cannot load (${v.error.slice(8)}): point it at a bundle that exists`;
  }
  switch (v.way) {
    case 'requests':
      return `${v.library}: REQUESTS_CA_BUNDLE naming a bundle of the public roots plus the internal CA (it replaces certifi)`;
    case 'httpx':
    case 'litellm':
      return `${v.library}: SSL_CERT_FILE naming a merged bundle (public roots plus the internal CA): it REPLACES certifi, so an internal-only file breaks every public host`;
    case 'httpx2':
    case 'truststore':
      return `${v.library}: the internal CA in the OS store (it trusts the OS store through truststore), or SSL_CERT_FILE naming a merged bundle, which then REPLACES the OS store`;
    case 'ssl':
      return `${v.library}: the internal CA in the OS store, or SSL_CERT_FILE naming a merged bundle (it replaces OpenSSL's default file)`;
    case 'certifi':
      return `${v.library}: with OPENAI_PROXY it trusts certifi alone, whatever SSL_CERT_FILE says: pass it http_client=httpx.Client(proxy=…, verify=ssl.create_default_context(cafile="<merged bundle>"))`;
  }
}

/** The failing libraries a written variable or the OS store cannot cure: fix then has nothing to write for them. */
export function fixCannotCure(v: LibraryVerdict): boolean {
  return v.strictOnly || v.way === 'certifi';
}

/** One SDK as the environment configures it, before its trust is known. */
export interface PythonSdkConfig {
  /** "openai 3.22", "langchain-openai 1.6": what the report names. */
  client: string;
  library: PythonLibrary;
  way: WayName;
  baseUrl: { value: string; source: string };
  family: 'openai' | 'anthropic';
  credentials: { header: 'bearer' | 'x-api-key'; value: string; source: string }[];
}

type Env = Readonly<Record<string, string | undefined>>;

function setting(env: Env, names: readonly string[]): { value: string; source: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { value, source: `environment ${name}` };
  }
  return null;
}

function credential(env: Env, name: string, header: 'bearer' | 'x-api-key') {
  const value = env[name]?.trim();
  return value ? [{ header, value, source: `environment ${name}` }] : [];
}

/**
 * The base URL each installed SDK takes from the environment, as that SDK reads it: openai reads
 * OPENAI_BASE_URL; langchain-openai OPENAI_API_BASE first; litellm (and aider on it) OPENAI_BASE_URL
 * first, then OPENAI_API_BASE; anthropic ANTHROPIC_BASE_URL with ANTHROPIC_API_KEY as x-api-key
 * and ANTHROPIC_AUTH_TOKEN as Bearer (both go out when both are set). Several SDKs making the same
 * request (same URL, same trust) are judged once.
 */
export function pythonSdkConfigs(probe: PythonClientsProbe, env: Env): PythonSdkConfig[] {
  const openaiKey = credential(env, 'OPENAI_API_KEY', 'bearer');
  const readers: { library: PythonLibrary; names: string[]; family: 'openai' | 'anthropic' }[] = [
    { library: 'openai', names: ['OPENAI_BASE_URL'], family: 'openai' },
    { library: 'anthropic', names: ['ANTHROPIC_BASE_URL'], family: 'anthropic' },
    { library: 'langchain-openai', names: ['OPENAI_API_BASE', 'OPENAI_BASE_URL'], family: 'openai' },
    { library: 'litellm', names: ['OPENAI_BASE_URL', 'OPENAI_API_BASE'], family: 'openai' },
    { library: 'aider-chat', names: ['OPENAI_BASE_URL', 'OPENAI_API_BASE'], family: 'openai' },
  ];
  const configs: PythonSdkConfig[] = [];
  for (const reader of readers) {
    const version = probe.libraries[reader.library];
    const way = version ? wayOf(reader.library, probe, env) : null;
    const baseUrl = setting(env, reader.names);
    if (!version || !way || !baseUrl) continue;
    if (configs.some((c) => c.baseUrl.value === baseUrl.value && c.way === way && c.family === reader.family))
      continue;
    configs.push({
      client: `${reader.library} ${shortVersion(version)}`,
      library: reader.library,
      way,
      baseUrl,
      family: reader.family,
      credentials:
        reader.family === 'anthropic'
          ? [
              ...credential(env, 'ANTHROPIC_API_KEY', 'x-api-key'),
              ...credential(env, 'ANTHROPIC_AUTH_TOKEN', 'bearer'),
            ]
          : openaiKey,
    });
  }
  return configs;
}
