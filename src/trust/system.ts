import path from 'node:path';
import { NEUTRAL_CWD, systemToolEnv } from '../child-env.ts';
import type { Host } from '../host.ts';
import { keychainCertificates, sslTrustByName } from '../onboard/macos.ts';
import { quickFingerprints } from '../pki/cert.ts';
import { SYSTEM_BUNDLES } from './locations.ts';

/** Where each Linux family keeps the CAs to add, and the command that rebuilds the bundle. */
export const ANCHOR_DIRS = [
  {
    dir: '/usr/local/share/ca-certificates',
    update: 'sudo update-ca-certificates',
    family: 'Debian/Ubuntu',
    ext: '.crt',
  },
  {
    dir: '/etc/pki/ca-trust/source/anchors',
    update: 'sudo update-ca-trust',
    family: 'RHEL/Fedora',
    ext: '.pem',
  },
  {
    dir: '/etc/ca-certificates/trust-source/anchors',
    update: 'sudo trust extract-compat',
    family: 'Arch',
    ext: '.crt',
  },
  { dir: '/etc/pki/trust/anchors', update: 'sudo update-ca-certificates', family: 'SUSE', ext: '.pem' },
];

export interface SystemStore {
  bundle: string | null;
  bundleHasRoot: boolean;
  /** Anchor files holding a pinned root (installed, perhaps not yet built into the bundle). */
  anchors: string[];
  family: (typeof ANCHOR_DIRS)[number] | null;
  keychain: boolean | null;
  /** macOS: whether a trust setting (user or admin domain) makes the keychain's root a trusted SSL root; null when unknown or absent. */
  keychainSslTrusted: boolean | null;
}

const MAX_BUNDLE = 16 * 1024 * 1024;

export async function readSystemStore(host: Host, pinned: string[]): Promise<SystemStore> {
  let bundle: string | null = null;
  let bundleHasRoot = false;
  for (const candidate of SYSTEM_BUNDLES) {
    try {
      const bytes = await host.readFile(candidate, MAX_BUNDLE);
      bundle = candidate;
      bundleHasRoot = quickFingerprints(bytes).some((fp) => pinned.includes(fp));
      break;
    } catch {
      // the next family's path
    }
  }
  const anchors: string[] = [];
  let family: SystemStore['family'] = null;
  for (const anchor of ANCHOR_DIRS) {
    const exists = await host.stat(anchor.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) continue;
    family ??= anchor;
    for (const name of await host.listDir(anchor.dir)) {
      const file = path.join(anchor.dir, name);
      const bytes = await host.readFile(file, MAX_BUNDLE).catch(() => null);
      if (bytes && quickFingerprints(bytes).some((fp) => pinned.includes(fp))) anchors.push(file);
    }
  }
  const keychain =
    host.platform === 'darwin' ? await keychainHasRoot(host, pinned) : { present: null, sslTrusted: null };
  return {
    bundle,
    bundleHasRoot,
    anchors,
    family,
    keychain: keychain.present,
    keychainSslTrusted: keychain.sslTrusted,
  };
}

/**
 * macOS: `security find-certificate -a -Z` lists the keychain's certificates with their SHA-256;
 * present is not trusted, so the trust settings of the user and admin domains are read too
 * (`add-trusted-cert -d` writes the admin one; the user's, when it has one, wins).
 */
async function keychainHasRoot(
  host: Host,
  pinned: string[],
): Promise<{ present: boolean | null; sslTrusted: boolean | null }> {
  const security = (args: string[]) =>
    host.exec('security', args, { env: systemToolEnv(host.env), cwd: NEUTRAL_CWD, timeoutMs: 5000 });
  const result = await security(['find-certificate', '-a', '-Z', '/Library/Keychains/System.keychain']);
  if (result.code !== 0) return { present: null, sslTrusted: null };
  const root = keychainCertificates(result.stdout).find((c) => pinned.includes(c.sha256));
  if (!root) return { present: false, sslTrusted: null };
  if (!root.label) return { present: true, sslTrusted: null };
  const [user, admin] = await Promise.all([
    security(['dump-trust-settings']),
    security(['dump-trust-settings', '-d']),
  ]);
  // A domain without settings exits non-zero ("No Trust Settings were found"): it says nothing.
  if (user.code === null && admin.code === null) return { present: true, sslTrusted: null };
  const verdicts = [user, admin].map((d) =>
    d.code === 0 ? sslTrustByName(d.stdout).get(root.label!) : undefined,
  );
  return { present: true, sslTrusted: verdicts.find((v) => v !== undefined) ?? false };
}

/** The commands that add the internal CA to this OS's store. */
export function systemInstallCommands(
  store: SystemStore,
  platform: NodeJS.Platform,
  bundleFile: string,
): string[] {
  if (platform === 'darwin') {
    return [
      `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${bundleFile}"`,
    ];
  }
  const family = store.family ?? ANCHOR_DIRS[0]!;
  return [`sudo cp "${bundleFile}" ${family.dir}/YandexInternalCA${family.ext}`, family.update];
}
