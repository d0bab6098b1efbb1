import type { X509Certificate } from 'node:crypto';
import { ConfigError, describeFsError, parseFingerprint, YANDEX_INTERNAL_ROOT_SHA256 } from '../config.ts';
import type { Host } from '../host.ts';
import { verifyInternalBundle } from '../pki/bundle.ts';
import { parsePemBundle, shortName, toPem } from '../pki/cert.ts';
import { hostPlatform, type LinuxFamily } from '../platform.ts';
import { installedBundlePath } from '../trust/locations.ts';

/**
 * `eliza-doctor dockerfile`: a fix made inside a container is gone with the container, so trust
 * belongs in the image. The lines embed the CA itself (what the doctor verified against the
 * pinned roots, never anything else), put it in the OS store and point the runtimes at the OS
 * bundle, which then holds the public roots and the internal CA.
 */
export interface BaseRecipe {
  label: string;
  /** Where the OS store takes extra CAs, one certificate per file. */
  anchorDir: string;
  ext: string;
  /** Makes sure the store's tools are there; null where every image has them. */
  install: string | null;
  update: string;
  /** The bundle the update builds: public roots plus the anchors. */
  bundle: string;
}

export const BASES: Record<LinuxFamily, BaseRecipe> = {
  debian: {
    label: 'Debian/Ubuntu',
    anchorDir: '/usr/local/share/ca-certificates',
    ext: '.crt',
    install:
      'apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*',
    update: 'update-ca-certificates',
    bundle: '/etc/ssl/certs/ca-certificates.crt',
  },
  alpine: {
    label: 'Alpine',
    anchorDir: '/usr/local/share/ca-certificates',
    ext: '.crt',
    // Alpine's base image has the bundle but not update-ca-certificates, which this package brings.
    install: 'apk add --no-cache ca-certificates',
    update: 'update-ca-certificates',
    bundle: '/etc/ssl/certs/ca-certificates.crt',
  },
  rhel: {
    label: 'RHEL/Fedora/UBI',
    anchorDir: '/etc/pki/ca-trust/source/anchors',
    ext: '.pem',
    install: null,
    update: 'update-ca-trust',
    bundle: '/etc/pki/tls/certs/ca-bundle.crt',
  },
};

export const TRUST_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE'] as const;

/** A file name from the certificate's CN: letters, digits, dots, dashes and underscores only. */
function anchorName(cert: X509Certificate, index: number): string {
  const cn = shortName(cert.subject).replace(/^CN=/, '');
  const safe = cn.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'ca';
  return `eliza-doctor-${index + 1}-${safe}`;
}

/** The Dockerfile lines for a base, the given (verified) certificates embedded one per file. */
export function dockerfileText(base: LinuxFamily, certs: X509Certificate[], pinned: string[]): string {
  const recipe = BASES[base];
  const lines = [
    `# Trust the internal CA in this image (${recipe.label}): written by eliza-doctor dockerfile --base ${base}.`,
    `# The certificates below chain to the pinned root${pinned.length > 1 ? 's' : ''} ${pinned.join(', ')}.`,
    '# Put these lines where the image is still root (before any USER line). The COPY <<EOF form',
    '# needs BuildKit: the default builder since Docker 23, Podman/Buildah 1.33.',
  ];
  if (recipe.install) lines.push(`RUN ${recipe.install}`);
  certs.forEach((cert, index) => {
    // One certificate per file: the store tools link and hash each anchor file by its first certificate.
    lines.push(`COPY <<EOF ${recipe.anchorDir}/${anchorName(cert, index)}${recipe.ext}`);
    lines.push(...toPem(cert).trimEnd().split('\n'), 'EOF');
  });
  lines.push(`RUN ${recipe.update}`);
  lines.push(
    '# Node adds this file to its own roots; Python (requests, ssl), curl and OpenSSL replace their',
    '# store with it: the OS bundle, which now holds the public roots and the internal CA.',
    `ENV ${TRUST_VARIABLES.map((name) => `${name}=${recipe.bundle}`).join(' \\\n    ')}`,
  );
  return `${lines.join('\n')}\n`;
}

/** devcontainer.json (JSONC): the same variables for every process the editor starts. */
export function devcontainerText(base: LinuxFamily): string {
  const recipe = BASES[base];
  const env = TRUST_VARIABLES.map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(recipe.bundle)}`);
  return [
    `// devcontainer.json (${recipe.label}): build the image from a Dockerfile holding the lines of`,
    `// \`eliza-doctor dockerfile --base ${base}\` ("build": { "dockerfile": "Dockerfile" }), and merge:`,
    '{',
    '  "containerEnv": {',
    env.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

export interface DockerfileArgs {
  base?: string;
  devcontainer?: boolean;
  caFile?: string;
  caSha256?: string[];
}

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

const MAX_BUNDLE = 16 * 1024 * 1024;

export async function bakeTrust(args: DockerfileArgs, host: Host): Promise<CommandOutput> {
  const pinned = (args.caSha256?.length ? args.caSha256 : [YANDEX_INTERNAL_ROOT_SHA256]).map(
    parseFingerprint,
  );
  const base = (args.base as LinuxFamily | undefined) ?? (await hostPlatform(host)).family;
  if (!base) {
    throw new ConfigError(
      `cannot tell the image's base from this machine (${host.platform}); name it: --base ${Object.keys(BASES).join('|')}`,
    );
  }
  if (args.devcontainer) return { code: 0, stdout: devcontainerText(base), stderr: '' };

  const file = args.caFile ?? installedBundlePath(host);
  let bytes: Buffer;
  try {
    bytes = await host.readFile(file, MAX_BUNDLE);
  } catch (error) {
    if (args.caFile !== undefined) throw new ConfigError(`--ca-file ${file}: ${describeFsError(error)}`);
    return {
      code: 1,
      stdout: '',
      stderr: `eliza-doctor dockerfile: no verified internal CA here yet (${file}: ${describeFsError(error)}); run eliza-doctor fix first, or give --ca-file\n`,
    };
  }
  const verdict = verifyInternalBundle(parsePemBundle(bytes), pinned, host.now());
  if (verdict.roots.length === 0) {
    return {
      code: 1,
      stdout: '',
      stderr: `eliza-doctor dockerfile: ${file} holds no pinned internal root (${pinned.join(', ')}); nothing printed\n`,
    };
  }
  const notes = [
    ...(verdict.dropped.length
      ? [`left out ${verdict.dropped.length} certificate(s) that do not chain to a pinned root`]
      : []),
    ...verdict.expiredRoots.map(
      (r) => `warning: the pinned root ${r.subject} is not valid now (${r.validTo})`,
    ),
  ];
  return {
    code: 0,
    stdout: dockerfileText(base, verdict.kept, pinned),
    stderr: notes.map((n) => `eliza-doctor dockerfile: ${n}\n`).join(''),
  };
}
