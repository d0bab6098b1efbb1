import path from 'node:path';
import { NEUTRAL_CWD, systemToolEnv } from '../child-env.ts';
import type { Host } from '../host.ts';
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
  return {
    bundle,
    bundleHasRoot,
    anchors,
    family,
    keychain: host.platform === 'darwin' ? await keychainHasRoot(host, pinned) : null,
  };
}

/** macOS: `security find-certificate -a -Z` lists SHA-256 hashes of the keychains' certificates. */
async function keychainHasRoot(host: Host, pinned: string[]): Promise<boolean | null> {
  const result = await host.exec(
    'security',
    ['find-certificate', '-a', '-Z', '/Library/Keychains/System.keychain'],
    { env: systemToolEnv(host.env), cwd: NEUTRAL_CWD, timeoutMs: 5000 },
  );
  if (result.code !== 0) return null;
  const hashes = [...result.stdout.matchAll(/SHA-256 hash:\s*([0-9A-F]+)/gi)].map((m) =>
    m[1]!.toUpperCase().match(/../g)!.join(':'),
  );
  return hashes.some((h) => pinned.includes(h));
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
