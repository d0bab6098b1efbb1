import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rootCertificates } from 'node:tls';
import type { CheckResult } from '../../src/engine/types.ts';
import { notFixed } from '../../src/fixes/command.ts';
import { MERGED_BUNDLE_NAME, planTrustFix } from '../../src/fixes/plan.ts';
import { realHost } from '../../src/host.ts';
import { parsePemBundle } from '../../src/pki/cert.ts';
import { issue } from '../../src/sim/pki.ts';
import { DOCUMENTED_SYSTEM_PATH, doctorDataDir } from '../../src/trust/locations.ts';
import { newTerminalEnv, scanStartup } from '../../src/trust/startup.ts';
import type { SystemStore } from '../../src/trust/system.ts';
import { pki, tempDir } from '../helpers/cli.ts';

const now = new Date();
const debuggingProxyCa = issue({
  commonName: 'Debugging Proxy CA',
  ca: true,
  notBefore: new Date(now.getTime() - 86_400_000),
  notAfter: new Date(now.getTime() + 86_400_000 * 30),
});

/** A machine with an OS store of `osRoots` public roots and the given variables set. */
async function planFor(
  variables: (dir: string) => Record<string, string>,
  osRoots = 120,
  system: { platform: NodeJS.Platform } | null = null,
) {
  const dir = tempDir();
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const osBundle = path.join(dir, 'os-ca-certificates.crt');
  writeFileSync(osBundle, rootCertificates.slice(0, osRoots).join('\n'));
  const host = realHost({ PATH: process.env.PATH, HOME: home, SHELL: '/bin/bash', ...variables(dir) });
  if (system) host.platform = system.platform;
  const store: SystemStore = {
    bundle: osBundle,
    bundleHasRoot: false,
    anchors: [],
    family: null,
    keychainSslTrusted: null,
    keychain: null,
  };
  const results = new Map<string, CheckResult>([
    ['ca-bundle', { data: { pem: pki().bundlePem } } as unknown as CheckResult],
    ['trust-python', { data: { certifi: null } } as unknown as CheckResult],
  ]);
  const scan = await scanStartup(host);
  const plan = await planTrustFix({
    host,
    results,
    scan,
    terminalEnv: newTerminalEnv(host.env, scan),
    store,
    system: !!system,
  });
  const merged = path.join(doctorDataDir(host), MERGED_BUNDLE_NAME);
  const contentOf = (file: string) => {
    const change = plan.changes.find((c) => c.target === file);
    assert.ok(change, `no change for ${file}`);
    return parsePemBundle(change.after).blocks.map((b) => b.cert!.fingerprint256);
  };
  return { plan, merged, contentOf, home };
}

describe('fix: the public base of the merged bundle', () => {
  it('an internal-only REQUESTS_CA_BUNDLE does not become what curl and git trust', async () => {
    const { plan, merged, contentOf } = await planFor((dir) => {
      writeFileSync(path.join(dir, 'internal.pem'), pki().bundlePem);
      return { REQUESTS_CA_BUNDLE: path.join(dir, 'internal.pem') };
    });
    assert.equal(plan.variables.CURL_CA_BUNDLE, merged);
    assert.equal(plan.variables.REQUESTS_CA_BUNDLE, merged);
    const certs = contentOf(merged);
    assert.ok(certs.length >= 120, `${certs.length} certificates`);
    assert.ok(certs.includes(pki().root.cert.fingerprint256));
  });

  it("a debugging proxy's CA in REQUESTS_CA_BUNDLE stays Python's alone", async () => {
    const { plan, merged, contentOf } = await planFor((dir) => {
      writeFileSync(path.join(dir, 'proxy.pem'), debuggingProxyCa.pem);
      return { REQUESTS_CA_BUNDLE: path.join(dir, 'proxy.pem') };
    });
    const proxy = debuggingProxyCa.cert.fingerprint256;
    for (const name of ['SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) {
      assert.equal(plan.variables[name], merged, name);
    }
    assert.ok(!contentOf(merged).includes(proxy));
    const python = plan.variables.REQUESTS_CA_BUNDLE!;
    assert.notEqual(python, merged);
    const pythonCerts = contentOf(python);
    assert.ok(pythonCerts.includes(proxy));
    assert.ok(pythonCerts.includes(pki().root.cert.fingerprint256));
    assert.ok(pythonCerts.length > 100);
  });

  it('an OS store too small to be a public one is not the base', async () => {
    const { merged, contentOf } = await planFor(() => ({}), 3);
    assert.ok(contentOf(merged).length >= rootCertificates.length);
  });
});

describe('fix --system', () => {
  for (const platform of ['linux', 'darwin'] as const) {
    it(`${platform}: touches OS paths only, and runs its commands as argv, never split on spaces`, async () => {
      const { plan, home } = await planFor(() => ({}), 120, { platform });
      assert.ok(plan.changes.length > 0);
      for (const change of plan.changes) {
        assert.equal(change.kind, 'system');
        assert.ok(!change.target.startsWith(home), change.target);
      }
      assert.deepEqual(plan.variables, {});
      for (const argv of plan.systemCommands) {
        assert.ok(Array.isArray(argv), 'argv, not a command line');
        assert.ok(argv.every((a) => a.length > 0));
      }
      if (platform === 'darwin') {
        assert.deepEqual(plan.systemCommands[0]!.slice(0, 2), ['security', 'add-trusted-cert']);
        assert.equal(plan.systemCommands[0]!.at(-1), DOCUMENTED_SYSTEM_PATH);
      }
    });
  }
});

describe('fix: the re-check', () => {
  it('a warning left after the fix is not fixed', () => {
    const left = notFixed([
      { id: 'trust-node', status: 'pass', code: null },
      { id: 'trust-python', status: 'warn', code: 'TRUST_PYTHON_INTERNAL_ONLY_BUNDLE' },
      { id: 'trust-system', status: 'skip', code: 'DEPENDENCY_NOT_MET' },
    ]);
    assert.deepEqual(
      left.map((r) => r.id),
      ['trust-python'],
    );
  });
});
