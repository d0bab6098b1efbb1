import { type Host, perHost } from './host.ts';

/**
 * Where the doctor runs, beyond the OS name: a container (where a fix lasts only as long as the
 * container does), WSL (where Windows programs keep a trust store of their own), and which Linux
 * family (what `dockerfile` writes for). Detection is pure over the evidence, so tables test it.
 */
export interface PlatformEvidence {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  osRelease: string;
  /** /proc/version, null when unreadable. */
  procVersion: string | null;
  /** /proc/1/cgroup, null when unreadable. */
  cgroup: string | null;
  dockerenv: boolean;
  containerenv: boolean;
  /** /etc/os-release, null when unreadable. */
  osReleaseFile: string | null;
}

export type ContainerKind = 'devcontainer' | 'codespaces' | 'docker' | 'podman' | 'kubernetes' | 'container';

export interface ContainerFacts {
  kind: ContainerKind;
  /** What gave it away, most telling first: files, variables, cgroup lines. */
  evidence: string[];
}

export interface WslFacts {
  /** 2 when the kernel is WSL2's, 1 for WSL1's. */
  version: 1 | 2;
  distro: string | null;
  evidence: string;
}

export type LinuxFamily = 'debian' | 'alpine' | 'rhel';

export interface PlatformFacts {
  container: ContainerFacts | null;
  wsl: WslFacts | null;
  /** The Linux family by /etc/os-release (ID, then ID_LIKE); null elsewhere or when unknown. */
  family: LinuxFamily | null;
  /** PRETTY_NAME from /etc/os-release, for the report. */
  distribution: string | null;
}

const CGROUP_MARKERS: [RegExp, ContainerKind][] = [
  [/kubepods/, 'kubernetes'],
  [/libpod|podman/, 'podman'],
  [/docker|containerd|moby/, 'docker'],
  [/\blxc\b/, 'container'],
];

export function detectContainer(evidence: PlatformEvidence): ContainerFacts | null {
  if (evidence.platform !== 'linux') return null;
  const { env } = evidence;
  const found: string[] = [];
  let kind: ContainerKind | null = null;
  const note = (what: string, as: ContainerKind) => {
    found.push(what);
    kind ??= as;
  };
  // The editor's markers first: they say what kind of container this is for the user.
  if (env.CODESPACES === 'true') note('CODESPACES=true', 'codespaces');
  if (env.REMOTE_CONTAINERS === 'true') note('REMOTE_CONTAINERS=true', 'devcontainer');
  if (evidence.dockerenv) note('/.dockerenv', 'docker');
  if (evidence.containerenv) note('/run/.containerenv', 'podman');
  const engine = env.container?.trim();
  if (engine)
    note(
      `container=${engine}`,
      engine === 'podman' ? 'podman' : engine === 'docker' ? 'docker' : 'container',
    );
  if (env.KUBERNETES_SERVICE_HOST) note('KUBERNETES_SERVICE_HOST', 'kubernetes');
  for (const line of evidence.cgroup?.split('\n') ?? []) {
    const marker = CGROUP_MARKERS.find(([pattern]) => pattern.test(line));
    if (marker) {
      note(`/proc/1/cgroup: ${line.trim()}`, marker[1]);
      break;
    }
  }
  return kind ? { kind, evidence: found } : null;
}

export function detectWsl(evidence: PlatformEvidence): WslFacts | null {
  if (evidence.platform !== 'linux') return null;
  const distro = evidence.env.WSL_DISTRO_NAME?.trim() || null;
  const kernel = [evidence.osRelease, evidence.procVersion ?? ''].find((s) => /microsoft/i.test(s));
  if (!kernel && !distro) return null;
  // WSL2 kernels say so ("5.15.90.1-microsoft-standard-WSL2"); WSL1 reports "4.4.0-19041-Microsoft".
  const version = /WSL2|microsoft-standard/i.test(kernel ?? '') || (!kernel && distro) ? 2 : 1;
  return {
    version,
    distro,
    evidence: kernel
      ? kernel === evidence.osRelease
        ? `kernel ${kernel.trim()}`
        : '/proc/version'
      : 'WSL_DISTRO_NAME',
  };
}

/** os-release's KEY=value lines, values unquoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = line.match(/^([A-Z0-9_]+)=(.*)$/);
    if (!match) continue;
    fields[match[1]!] = match[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return fields;
}

const FAMILY_IDS: [LinuxFamily, string[]][] = [
  ['alpine', ['alpine']],
  ['debian', ['debian', 'ubuntu']],
  ['rhel', ['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'amzn', 'ol']],
];

export function linuxFamily(osRelease: string | null): LinuxFamily | null {
  if (!osRelease) return null;
  const fields = parseOsRelease(osRelease);
  for (const id of [fields.ID, ...(fields.ID_LIKE ?? '').split(/\s+/)]) {
    const family = FAMILY_IDS.find(([, ids]) => id && ids.includes(id.toLowerCase()));
    if (family) return family[0];
  }
  return null;
}

export function detectPlatform(evidence: PlatformEvidence): PlatformFacts {
  const linux = evidence.platform === 'linux';
  return {
    container: detectContainer(evidence),
    wsl: detectWsl(evidence),
    family: linux ? linuxFamily(evidence.osReleaseFile) : null,
    distribution:
      linux && evidence.osReleaseFile ? (parseOsRelease(evidence.osReleaseFile).PRETTY_NAME ?? null) : null,
  };
}

const SMALL = 64 * 1024;

export async function readPlatformEvidence(host: Host): Promise<PlatformEvidence> {
  const text = (file: string) =>
    host.readFile(file, SMALL).then(
      (b) => b.toString('utf8'),
      () => null,
    );
  const exists = (file: string) =>
    host.stat(file).then(
      () => true,
      () => false,
    );
  const linux = host.platform === 'linux';
  const [procVersion, cgroup, dockerenv, containerenv, osReleaseFile] = linux
    ? await Promise.all([
        text('/proc/version'),
        text('/proc/1/cgroup'),
        exists('/.dockerenv'),
        exists('/run/.containerenv'),
        text('/etc/os-release').then((t) => t ?? text('/usr/lib/os-release')),
      ])
    : [null, null, false, false, null];
  return {
    env: host.env,
    platform: host.platform,
    osRelease: host.osRelease,
    procVersion,
    cgroup,
    dockerenv,
    containerenv,
    osReleaseFile,
  };
}

/** Once per run: the environment check and the trust checks both ask. */
export const hostPlatform = perHost(async (host) => detectPlatform(await readPlatformEvidence(host)));
