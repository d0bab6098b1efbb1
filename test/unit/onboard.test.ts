import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { trustSystemCheck } from '../../checks/trust-system.ts';
import type { CheckResult } from '../../src/engine/types.ts';
import type { TrustSystemFacts } from '../../src/facts.ts';
import { applyChanges, undoChanges } from '../../src/fixes/apply.ts';
import { planTrustFix } from '../../src/fixes/plan.ts';
import type { ExecResult, Host } from '../../src/host.ts';
import { javaNotes, keystoreFingerprints, readJavaTrust } from '../../src/onboard/java.ts';
import {
  guiAppsNotes,
  keychainCertificates,
  LAUNCH_AGENT_LABEL,
  launchAgentPlist,
  readGuiAppsEnv,
  sslTrustByName,
} from '../../src/onboard/macos.ts';
import { createSimPki } from '../../src/sim/pki.ts';
import { doctorDataDir } from '../../src/trust/locations.ts';
import { newTerminalEnv, scanStartup } from '../../src/trust/startup.ts';
import { readSystemStore } from '../../src/trust/system.ts';
import { fakeContext, fakeHost } from '../helpers/fakes.ts';

const pki = createSimPki();
const homes: string[] = [];
after(() => {
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});
function tempHome(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eliza-doctor-onboard-'));
  homes.push(dir);
  return dir;
}
const ROOT_FP = pki.root.cert.fingerprint256;
const hex = (fp: string) => fp.replace(/:/g, '');

const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '', timedOut: false, error: null });
const exit = (code: number, stderr = ''): ExecResult => ({
  code,
  stdout: '',
  stderr,
  timedOut: false,
  error: null,
});

/** A Host whose programs answer from a table keyed by "file arg arg ...". */
function scripted(host: Host, answers: Record<string, ExecResult>, calls: string[] = []): Host {
  return {
    ...host,
    exec: async (file, args) => {
      const key = [file, ...args].join(' ');
      calls.push(key);
      return answers[key] ?? { code: null, stdout: '', stderr: '', timedOut: false, error: 'ENOENT' };
    },
  };
}

const KEYCHAIN_LISTING = `SHA-256 hash: ${hex('AA:'.repeat(31))}AA
SHA-1 hash: 0123
keychain: "/Library/Keychains/System.keychain"
attributes:
    "labl"<blob>="com.apple.systemdefault"
SHA-256 hash: ${hex(ROOT_FP)}
SHA-1 hash: 4567
keychain: "/Library/Keychains/System.keychain"
attributes:
    "alis"<blob>="Eliza Doctor Test Root CA"
    "labl"<blob>="Eliza Doctor Test Root CA"
`;

const TRUSTED_FOR_SSL = `Number of trusted certs = 1
Cert 0: Eliza Doctor Test Root CA
   Number of trust settings : 1
   Trust Setting 0:
      Policy OID            : SSL
      Allowed Error         : CSSMERR_TP_CERT_EXPIRED
      Result Type           : kSecTrustSettingsResultTrustRoot
`;

describe('macOS: the Keychain says whether the root is trusted for SSL, not just present', () => {
  const cases: [string, string, boolean | undefined][] = [
    ['trusted for SSL', TRUSTED_FOR_SSL, true],
    [
      'no settings listed: trusted for every policy',
      'Cert 0: Eliza Doctor Test Root CA\n   Number of trust settings : 0\n',
      true,
    ],
    [
      'a setting without a policy: every policy, trust root by default',
      'Cert 0: Eliza Doctor Test Root CA\n   Number of trust settings : 1\n   Trust Setting 0:\n      Allowed Error : CSSMERR_TP_CERT_EXPIRED\n',
      true,
    ],
    [
      'trusted for S/MIME only',
      'Cert 0: Eliza Doctor Test Root CA\n   Number of trust settings : 1\n   Trust Setting 0:\n      Policy OID            : S/MIME\n      Result Type           : kSecTrustSettingsResultTrustRoot\n',
      false,
    ],
    [
      'denied for SSL',
      'Cert 0: Eliza Doctor Test Root CA\n   Number of trust settings : 1\n   Trust Setting 0:\n      Policy OID            : SSL\n      Result Type           : kSecTrustSettingsResultDeny\n',
      false,
    ],
    ['another certificate only', 'Cert 0: Somebody Else\n   Number of trust settings : 0\n', undefined],
  ];
  for (const [what, dump, trusted] of cases) {
    it(what, () => assert.equal(sslTrustByName(dump).get('Eliza Doctor Test Root CA'), trusted));
  }

  it('find-certificate -Z listing: hash and label per certificate', () => {
    assert.deepEqual(
      keychainCertificates(KEYCHAIN_LISTING).map((c) => c.label),
      ['com.apple.systemdefault', 'Eliza Doctor Test Root CA'],
    );
    assert.equal(keychainCertificates(KEYCHAIN_LISTING)[1]!.sha256, ROOT_FP);
  });

  const darwin = (answers: Record<string, ExecResult>) =>
    scripted({ ...fakeHost(), platform: 'darwin' }, answers);
  const find = 'security find-certificate -a -Z /Library/Keychains/System.keychain';
  const storeCases: [string, Record<string, ExecResult>, boolean | null, boolean | null][] = [
    [
      'present and trusted (admin domain)',
      {
        [find]: ok(KEYCHAIN_LISTING),
        'security dump-trust-settings': exit(1, 'No Trust Settings were found.'),
        'security dump-trust-settings -d': ok(TRUSTED_FOR_SSL),
      },
      true,
      true,
    ],
    [
      'present, no trust setting anywhere',
      {
        [find]: ok(KEYCHAIN_LISTING),
        'security dump-trust-settings': exit(1),
        'security dump-trust-settings -d': exit(1),
      },
      true,
      false,
    ],
    [
      "the user's denial wins over the admin's trust",
      {
        [find]: ok(KEYCHAIN_LISTING),
        'security dump-trust-settings': ok(
          'Cert 0: Eliza Doctor Test Root CA\n   Number of trust settings : 1\n   Trust Setting 0:\n      Policy OID : SSL\n      Result Type : kSecTrustSettingsResultDeny\n',
        ),
        'security dump-trust-settings -d': ok(TRUSTED_FOR_SSL),
      },
      true,
      false,
    ],
    ['absent', { [find]: ok(KEYCHAIN_LISTING.split('SHA-256 hash')[1]!) }, false, null],
    ['security cannot run', {}, null, null],
  ];
  for (const [what, answers, present, trusted] of storeCases) {
    it(`readSystemStore: ${what}`, async () => {
      const store = await readSystemStore(darwin(answers), [ROOT_FP]);
      assert.equal(store.keychain, present);
      assert.equal(store.keychainSslTrusted, trusted);
    });
  }
});

describe('macOS: apps started from the Dock (launchctl getenv)', () => {
  const mac = (answer: ExecResult) =>
    scripted({ ...fakeHost(), platform: 'darwin' }, { 'launchctl getenv NODE_EXTRA_CA_CERTS': answer });
  it('reads the value launchd gives apps', async () => {
    assert.deepEqual(await readGuiAppsEnv(mac(ok('/Users/u/ca.pem\n'))), {
      value: '/Users/u/ca.pem',
      error: null,
    });
  });
  it('unset is null', async () => {
    assert.deepEqual(await readGuiAppsEnv(mac(ok(''))), { value: null, error: null });
  });
  it('launchctl missing: says so', async () => {
    assert.equal(
      (await readGuiAppsEnv(scripted({ ...fakeHost(), platform: 'darwin' }, {})))?.error,
      'ENOENT',
    );
  });
  it('not asked on Linux', async () => {
    const calls: string[] = [];
    assert.equal(await readGuiAppsEnv(scripted(fakeHost(), {}, calls)), null);
    assert.deepEqual(calls, []);
  });
  it('names the LaunchAgent when apps lack what a new terminal has, and not when they have it', () => {
    assert.equal(guiAppsNotes({ value: null, error: null }, '/Users/u/ca.pem').length, 2);
    assert.equal(guiAppsNotes({ value: '/Users/u/ca.pem', error: null }, '/Users/u/ca.pem').length, 1);
  });
  it('the plist runs launchctl setenv with the path, XML-escaped', () => {
    const plist = launchAgentPlist(
      '/Users/a&b/Library/Application Support/eliza-doctor/YandexInternalCA.pem',
    );
    assert.match(
      plist,
      /<string>\/bin\/launchctl<\/string>\s*<string>setenv<\/string>\s*<string>NODE_EXTRA_CA_CERTS<\/string>/,
    );
    assert.ok(
      plist.includes(
        '<string>/Users/a&amp;b/Library/Application Support/eliza-doctor/YandexInternalCA.pem</string>',
      ),
    );
    assert.match(plist, /<key>RunAtLoad<\/key>\s*<true\/>/);
    assert.ok(plist.includes(`<string>${LAUNCH_AGENT_LABEL}</string>`));
  });
});

describe('macOS: fix offers the LaunchAgent, previewable and undoable', () => {
  it('plans it as a change of its own, applies it, and undo removes it', async () => {
    const home = tempHome();
    const base = fakeHost({ SHELL: '/bin/zsh', PATH: '/usr/bin' });
    const host: Host = {
      ...base,
      platform: 'darwin',
      home,
      readFile: async (file) => readFileSync(file),
    };
    const results = new Map<string, CheckResult>([
      ['ca-bundle', { id: 'ca-bundle', data: { pem: pki.bundlePem } } as unknown as CheckResult],
    ]);
    const scan = await scanStartup(host);
    const store = await readSystemStore(host, [ROOT_FP]);
    const plan = await planTrustFix({
      host,
      results,
      scan,
      terminalEnv: newTerminalEnv(host.env, scan),
      store,
      system: false,
    });
    const agent = plan.changes.find((c) => c.kind === 'agent');
    assert.ok(agent, 'a LaunchAgent is planned');
    assert.equal(agent.target, path.join(home, 'Library', 'LaunchAgents', `${LAUNCH_AGENT_LABEL}.plist`));
    assert.ok(agent.after.toString().includes(`<string>${plan.variables.NODE_EXTRA_CA_CERTS}</string>`));
    assert.ok(plan.notes.some((n) => n.includes('launchctl setenv NODE_EXTRA_CA_CERTS')));

    const dataDir = doctorDataDir(host);
    await applyChanges(plan.changes, dataDir);
    assert.equal(readFileSync(agent.target, 'utf8'), agent.after.toString());
    const rescan = await scanStartup(host);
    const again = await planTrustFix({
      host,
      results,
      scan: rescan,
      terminalEnv: newTerminalEnv(host.env, rescan),
      store,
      system: false,
    });
    assert.equal(
      again.changes.find((c) => c.kind === 'agent'),
      undefined,
      'a second fix changes nothing',
    );
    const report = await undoChanges(dataDir);
    assert.ok(report?.removed.includes(agent.target));
  });

  it('not on Linux', async () => {
    const home = tempHome();
    const host: Host = { ...fakeHost({ SHELL: '/bin/bash' }), home };
    const results = new Map<string, CheckResult>([
      ['ca-bundle', { id: 'ca-bundle', data: { pem: pki.bundlePem } } as unknown as CheckResult],
    ]);
    const plan = await planTrustFix({
      host,
      results,
      scan: await scanStartup(host),
      terminalEnv: host.env,
      store: await readSystemStore(host, [ROOT_FP]),
      system: false,
    });
    assert.equal(
      plan.changes.find((c) => c.kind === 'agent'),
      undefined,
    );
    assert.deepEqual(plan.notes, []);
  });

  it('in a container and under WSL, the plan says what the fix does not reach', async () => {
    const host: Host = {
      ...fakeHost({ SHELL: '/bin/bash', WSL_DISTRO_NAME: 'Ubuntu' }, { '/.dockerenv': '' }),
      home: tempHome(),
    };
    const results = new Map<string, CheckResult>([
      ['ca-bundle', { id: 'ca-bundle', data: { pem: pki.bundlePem } } as unknown as CheckResult],
    ]);
    const plan = await planTrustFix({
      host,
      results,
      scan: await scanStartup(host),
      terminalEnv: host.env,
      store: await readSystemStore(host, [ROOT_FP]),
      system: false,
    });
    assert.equal(plan.notes.length, 2);
    assert.ok(plan.notes.some((n) => n.includes('eliza-doctor dockerfile')));
    assert.ok(plan.notes.some((n) => n.includes('certutil')));
  });
});

describe('Java: whether cacerts holds the root, and the keytool command', () => {
  // A JKS-like frame around DER certificates: what matters is that each certificate is plain DER.
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const store = (...pems: string[]) =>
    Buffer.concat([
      Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]),
      ...pems.flatMap((p) => [Buffer.from('alias\0X.509\0'), der(p)]),
    ]);

  it('finds every certificate of a key store without a JVM', () => {
    const fps = keystoreFingerprints(store(pki.intermediate.pem, pki.root.pem));
    assert.deepEqual(fps.sort(), [pki.intermediate.cert.fingerprint256, ROOT_FP].sort());
    assert.deepEqual(keystoreFingerprints(Buffer.from('not a key store')), []);
  });

  it('nothing to say without java or keytool', async () => {
    assert.equal(await readJavaTrust(fakeHost(), [ROOT_FP], '/ca.pem'), null);
  });

  const withJava = (files: Record<string, Buffer>, env: Record<string, string> = {}) => ({
    ...fakeHost(env, files),
    findExecutable: async (name: string) =>
      name === 'java' || name === 'keytool' ? `/opt/jdk-21/bin/${name}` : null,
  });

  it("java's own cacerts lacks the root: the keytool command names that very file", async () => {
    const host = withJava({ '/opt/jdk-21/lib/security/cacerts': store(pki.intermediate.pem) });
    const facts = await readJavaTrust(
      host,
      [ROOT_FP],
      '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem',
    );
    assert.equal(facts?.hasRoot, false);
    assert.equal(facts?.cacerts, '/opt/jdk-21/lib/security/cacerts');
    assert.equal(
      facts?.command,
      'keytool -importcert -keystore /opt/jdk-21/lib/security/cacerts -storepass changeit -noprompt -alias yandexinternalrootca -file /home/user/.local/share/eliza-doctor/YandexInternalCA.pem',
    );
    assert.ok(javaNotes(facts!).some((n) => n.includes(facts!.command!)));
  });

  it('JAVA_HOME first; Java 8 keeps it under jre/; the root found', async () => {
    const host = withJava(
      {
        '/usr/lib/jvm/java-8/bin/java': Buffer.from(''),
        '/usr/lib/jvm/java-8/jre/lib/security/cacerts': store(pki.root.pem),
        '/opt/jdk-21/lib/security/cacerts': store(pki.intermediate.pem),
      },
      { JAVA_HOME: '/usr/lib/jvm/java-8' },
    );
    const facts = await readJavaTrust(host, [ROOT_FP], '/ca.pem');
    assert.equal(facts?.java, '/usr/lib/jvm/java-8/bin/java');
    assert.equal(facts?.cacerts, '/usr/lib/jvm/java-8/jre/lib/security/cacerts');
    assert.equal(facts?.hasRoot, true);
  });

  it("a distribution's shared store: says the OS store fix covers it", async () => {
    const host = {
      ...fakeHost({}, { '/etc/ssl/certs/java/cacerts': store(pki.intermediate.pem) }),
      findExecutable: async (name: string) => (name === 'java' ? '/usr/bin/java' : null),
    };
    const facts = await readJavaTrust(host, [ROOT_FP], '/ca.pem');
    assert.equal(facts?.cacerts, '/etc/ssl/certs/java/cacerts');
    assert.ok(javaNotes(facts!).some((n) => n.includes('fix --system')));
  });

  it('macOS: java_home names the JDK behind the /usr/bin/java stub', async () => {
    const host = scripted(
      {
        ...withJava({
          '/Library/Java/JavaVirtualMachines/jdk-21/Contents/Home/lib/security/cacerts': store(pki.root.pem),
        }),
        platform: 'darwin',
      },
      { '/usr/libexec/java_home': ok('/Library/Java/JavaVirtualMachines/jdk-21/Contents/Home\n') },
    );
    const facts = await readJavaTrust(host, [ROOT_FP], '/ca.pem');
    assert.equal(facts?.hasRoot, true);
  });

  it('no cacerts anywhere: unknown, with the -cacerts form of the command', async () => {
    const facts = await readJavaTrust(withJava({}), [ROOT_FP], '/ca.pem');
    assert.equal(facts?.hasRoot, null);
    assert.match(facts?.command ?? '', /^keytool -importcert -cacerts /);
  });

  it('trust-system reports it in its data, and it does not change the verdict', async () => {
    const ctx = fakeContext({
      raw: { caSha256: [ROOT_FP] },
      dependencies: {
        tcp: { data: { working: [{ address: '127.0.0.1' }] } },
        tls: { data: { anchor: 'internal' } },
      },
    });
    const host = withJava({
      '/opt/jdk-21/lib/security/cacerts': store(pki.intermediate.pem),
      '/etc/ssl/certs/ca-certificates.crt': Buffer.from(pki.root.pem),
    });
    const outcome = await trustSystemCheck.run({ ...ctx, host });
    assert.equal(outcome.status, 'pass');
    const data = outcome.data as TrustSystemFacts;
    assert.equal(data.java?.hasRoot, false);
  });
});
