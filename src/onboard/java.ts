import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Host } from '../host.ts';
import { quote } from '../quote.ts';

/**
 * JVM programs (JetBrains AI plugins, Java clients) trust their runtime's `cacerts`, not the OS
 * store nor NODE_EXTRA_CA_CERTS. Report only: the runtime is often shared and root-owned, so the
 * doctor shows the keytool command instead of running it.
 * On Debian/Ubuntu and RHEL/Fedora the shared cacerts is rebuilt from the OS store, so the OS
 * store fix (fix --system) covers Java there.
 */
export interface JavaFacts {
  java: string | null;
  keytool: string | null;
  /** The key store read. */
  cacerts: string | null;
  /** Whether cacerts holds a pinned root; null when it could not be listed. */
  hasRoot: boolean | null;
  /** How it was listed, or why it could not be. */
  detail: string;
  /** What adds the root (the installed bundle starts with it; keytool imports the first certificate). */
  command: string | null;
}

/**
 * The certificates of a Java key store, JKS or the JDK's password-less PKCS#12, found without a
 * JVM (a second of start-up on every run): both keep each trusted certificate as plain DER, so
 * every DER SEQUENCE shaped like a certificate is one, and its SHA-256 is the fingerprint.
 */
export function keystoreFingerprints(bytes: Buffer): string[] {
  const found = new Set<string>();
  for (let i = bytes.indexOf(0x30); i >= 0 && i + 4 < bytes.length; i = bytes.indexOf(0x30, i + 1)) {
    // A v3 certificate is SEQUENCE { SEQUENCE tbsCertificate { [0] version, ... }, ... }, both long
    // enough for two length bytes; that shape alone (no parsing) keeps a full store at a few ms.
    if (bytes[i + 1] !== 0x82 || bytes[i + 4] !== 0x30 || bytes[i + 5] !== 0x82 || bytes[i + 8] !== 0xa0)
      continue;
    const end = i + 4 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
    if (end > bytes.length) continue;
    found.add(
      createHash('sha256').update(bytes.subarray(i, end)).digest('hex').toUpperCase().match(/../g)!.join(':'),
    );
    i = end - 1;
  }
  return [...found];
}

/** Debian/Ubuntu (ca-certificates-java) and RHEL/Fedora build these from the OS store. */
const SHARED_STORES = [
  '/etc/ssl/certs/java/cacerts',
  '/etc/pki/ca-trust/extracted/java/cacerts',
  '/etc/pki/java/cacerts',
];

/** Where Java keeps its roots, most specific first: JAVA_HOME's, java's own, then the distributions' shared stores. */
function cacertsCandidates(homes: string[]): string[] {
  return [
    ...homes.flatMap((home) => [
      path.join(home, 'lib', 'security', 'cacerts'),
      path.join(home, 'jre', 'lib', 'security', 'cacerts'),
    ]),
    ...SHARED_STORES,
  ];
}

export async function readJavaTrust(host: Host, pinned: string[], caFile: string): Promise<JavaFacts | null> {
  const javaHome = host.env.JAVA_HOME?.trim() || null;
  const isFile = (file: string) =>
    host.stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
  const inHome = async (name: string) => {
    const file = javaHome ? path.join(javaHome, 'bin', name) : null;
    return file && (await isFile(file)) ? file : null;
  };
  const java = (await inHome('java')) ?? (await host.findExecutable('java'));
  const keytool = (await inHome('keytool')) ?? (await host.findExecutable('keytool'));
  if (!java && !keytool) return null;
  const homes = [javaHome, ...[java, keytool].map((bin) => (bin ? path.dirname(path.dirname(bin)) : null))];
  if (host.platform === 'darwin' && !javaHome) {
    // macOS's /usr/bin/java is a stub; java_home names the JDK it would run.
    const found = await host.exec('/usr/libexec/java_home', [], { env: host.env, timeoutMs: 3000 });
    if (found.code === 0 && found.stdout.trim()) homes.unshift(found.stdout.trim());
  }
  const unique = [...new Set(homes.filter((h): h is string => !!h))];
  let cacerts: string | null = null;
  let fingerprints: string[] = [];
  for (const candidate of cacertsCandidates(unique)) {
    const bytes = await host.readFile(candidate, MAX_STORE).catch(() => null);
    if (!bytes) continue;
    cacerts = candidate;
    fingerprints = keystoreFingerprints(bytes);
    break;
  }
  // -keystore names the very file read (and works on Java 8); -cacerts is the running keytool's.
  const storeArgs = cacerts ? `-keystore ${quote(cacerts)}` : '-cacerts';
  const command = `keytool -importcert ${storeArgs} -storepass changeit -noprompt -alias yandexinternalrootca -file ${quote(caFile)}`;
  if (!cacerts) return { java, keytool, cacerts, hasRoot: null, detail: 'no cacerts found', command };
  if (fingerprints.length === 0) {
    return {
      java,
      keytool,
      cacerts,
      hasRoot: null,
      detail: `no certificate could be read from ${cacerts}`,
      command,
    };
  }
  return {
    java,
    keytool,
    cacerts,
    hasRoot: fingerprints.some((fp) => pinned.includes(fp)),
    detail: `${fingerprints.length} certificates in ${cacerts}`,
    command,
  };
}

const MAX_STORE = 8 * 1024 * 1024;

export function javaNotes(facts: JavaFacts): string[] {
  const where = facts.java ?? facts.keytool;
  if (facts.hasRoot === true)
    return [`Java (${where}): its cacerts holds the internal root (${facts.detail})`];
  const state =
    facts.hasRoot === false ? `its cacerts lacks the internal root (${facts.detail})` : facts.detail;
  return [
    `Java (${where}): ${state}; JVM programs using it reject the gateway${facts.command ? `; to add it (with sudo when the JDK belongs to root): ${facts.command}` : ''}`,
    ...(facts.cacerts && SHARED_STORES.includes(facts.cacerts)
      ? [`${facts.cacerts} is rebuilt from the OS store: eliza-doctor fix --system covers Java too`]
      : []),
    'JetBrains IDEs run on their own bundled runtime and also keep a list of their own: Settings | Tools | Server Certificates',
  ];
}
