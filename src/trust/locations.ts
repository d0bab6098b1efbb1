import path from 'node:path';
import type { Host } from '../host.ts';

export const INSTALLED_BUNDLE_NAME = 'YandexInternalCA.pem';

/** Where `eliza-doctor fix` installs the verified bundle for this user. */
export function doctorDataDir(host: Host): string {
  if (host.platform === 'darwin')
    return path.join(host.home, 'Library', 'Application Support', 'eliza-doctor');
  const xdg = host.env.XDG_DATA_HOME?.trim();
  return path.join(
    xdg && path.isAbsolute(xdg) ? xdg : path.join(host.home, '.local', 'share'),
    'eliza-doctor',
  );
}

/** Where `fix --system` keeps its record (root's, beside the OS store it changed). */
export function systemDataDir(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? '/Library/Application Support/eliza-doctor' : '/var/lib/eliza-doctor';
}

export function installedBundlePath(host: Host): string {
  return path.join(doctorDataDir(host), INSTALLED_BUNDLE_NAME);
}

export const DOCUMENTED_SYSTEM_PATH = '/etc/ssl/certs/YandexInternalCA.pem';

/** Where people keep the internal CA, most specific first (see eliza-facts.md). */
export function internalCaPlaces(host: Host): { label: string; path: string }[] {
  const places: { label: string; path: string }[] = [];
  const add = (label: string, file: string | undefined) => {
    const trimmed = file?.trim();
    if (trimmed && !places.some((p) => p.path === trimmed)) places.push({ label, path: trimmed });
  };
  add('NODE_EXTRA_CA_CERTS', host.env.NODE_EXTRA_CA_CERTS);
  add("eliza-doctor's install", installedBundlePath(host));
  add('the documented path', DOCUMENTED_SYSTEM_PATH);
  add('~/.yandex', path.join(host.home, '.yandex', 'YandexInternalRootCA.crt'));
  add('~/.yandex', path.join(host.home, '.yandex', 'allCAs.pem'));
  add('REQUESTS_CA_BUNDLE', host.env.REQUESTS_CA_BUNDLE);
  add('SSL_CERT_FILE', host.env.SSL_CERT_FILE);
  add('the Debian/Ubuntu store', '/usr/local/share/ca-certificates/YandexInternalRootCA.crt');
  for (const system of SYSTEM_BUNDLES) add('the system store', system);
  return places;
}

/** The OS bundles, by family: the first that exists is the one curl and git read. */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
