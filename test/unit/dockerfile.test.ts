import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config.ts';
import type { Host } from '../../src/host.ts';
import { BASES, bakeTrust, devcontainerText, dockerfileText } from '../../src/onboard/dockerfile.ts';
import { createSimPki, issue } from '../../src/sim/pki.ts';
import { fakeHost } from '../helpers/fakes.ts';

const pki = createSimPki();
const pinned = [pki.root.cert.fingerprint256];
const stranger = issue({
  commonName: 'Somebody Else Root CA',
  ca: true,
  notBefore: new Date('2020-01-01'),
  notAfter: new Date('2040-01-01'),
});
const INSTALLED = '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem';

/** Each COPY heredoc: its destination and the certificate it writes. */
function heredocs(text: string): { dest: string; cert: X509Certificate }[] {
  return [...text.matchAll(/^COPY <<EOF (\S+)\n([\s\S]*?)\nEOF$/gm)].map((m) => ({
    dest: m[1]!,
    cert: new X509Certificate(m[2]!),
  }));
}

describe('dockerfile: the text for each base', () => {
  const certs = [pki.root.cert, pki.intermediate.cert];
  const cases: [keyof typeof BASES, string | null, string, string, string][] = [
    [
      'debian',
      'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*',
      '/usr/local/share/ca-certificates/',
      'RUN update-ca-certificates',
      '/etc/ssl/certs/ca-certificates.crt',
    ],
    [
      'alpine',
      'RUN apk add --no-cache ca-certificates',
      '/usr/local/share/ca-certificates/',
      'RUN update-ca-certificates',
      '/etc/ssl/certs/ca-certificates.crt',
    ],
    [
      'rhel',
      null,
      '/etc/pki/ca-trust/source/anchors/',
      'RUN update-ca-trust',
      '/etc/pki/tls/certs/ca-bundle.crt',
    ],
  ];
  for (const [base, install, anchorDir, update, bundle] of cases) {
    it(base, () => {
      const text = dockerfileText(base, certs, pinned);
      const lines = text.split('\n');
      const instructions = lines.filter((l) => /^[A-Z]+ /.test(l));
      // Order matters: the tools, then the anchors, then the rebuild, then the variables.
      const runs = instructions.filter((l) => l.startsWith('RUN '));
      assert.deepEqual(runs, install ? [install, update] : [update]);
      const blocks = heredocs(text);
      assert.deepEqual(
        blocks.map((b) => b.cert.fingerprint256),
        certs.map((c) => c.fingerprint256),
        'every certificate embedded, one per file, as given',
      );
      for (const block of blocks) {
        assert.ok(block.dest.startsWith(anchorDir), block.dest);
        assert.ok(block.dest.endsWith(BASES[base].ext));
        assert.match(block.dest, /^[A-Za-z0-9/._-]+$/, 'a plain file name');
      }
      assert.ok(lines.indexOf(update) > lines.lastIndexOf('EOF'), 'the store is rebuilt after the anchors');
      const env = text.slice(text.indexOf('\nENV ') + 1);
      assert.deepEqual(
        [...env.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]),
        [
          ['NODE_EXTRA_CA_CERTS', bundle],
          ['REQUESTS_CA_BUNDLE', bundle],
          ['SSL_CERT_FILE', bundle],
        ],
      );
      assert.ok(text.includes(pinned[0]!), 'names the pinned root it was verified against');
      assert.doesNotMatch(text, /insecure|NODE_TLS_REJECT_UNAUTHORIZED|verify=False/);
    });
  }

  it('devcontainer.json: containerEnv points the runtimes at the OS bundle', () => {
    for (const base of ['debian', 'alpine', 'rhel'] as const) {
      const text = devcontainerText(base);
      const json = JSON.parse(
        text
          .split('\n')
          .filter((l) => !l.startsWith('//'))
          .join('\n'),
      );
      assert.deepEqual(json, {
        containerEnv: {
          NODE_EXTRA_CA_CERTS: BASES[base].bundle,
          REQUESTS_CA_BUNDLE: BASES[base].bundle,
          SSL_CERT_FILE: BASES[base].bundle,
        },
      });
    }
  });
});

describe('dockerfile: only a verified CA is ever printed', () => {
  const args = { caSha256: pinned };

  it("embeds what chains to the pinned root from fix's install, and leaves the rest out", async () => {
    const host = fakeHost({}, { [INSTALLED]: stranger.pem + pki.intermediate.pem + pki.root.pem });
    const out = await bakeTrust({ ...args, base: 'debian' }, host);
    assert.equal(out.code, 0);
    const embedded = heredocs(out.stdout).map((b) => b.cert.fingerprint256);
    assert.deepEqual(
      embedded.sort(),
      [pki.root.cert.fingerprint256, pki.intermediate.cert.fingerprint256].sort(),
    );
    assert.ok(!out.stdout.includes(stranger.pem.split('\n')[1]!), 'the stranger is not printed');
    assert.match(out.stderr, /left out 1/);
  });

  it('a bundle without the pinned root: nothing printed, exit 1', async () => {
    const host = fakeHost({}, { [INSTALLED]: stranger.pem + pki.intermediate.pem });
    const out = await bakeTrust({ ...args, base: 'alpine' }, host);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
  });

  it('the default pin is the real root: the test PKI is refused without --ca-sha256', async () => {
    const host = fakeHost({}, { [INSTALLED]: pki.bundlePem });
    const out = await bakeTrust({ base: 'debian' }, host);
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
  });

  it('no install yet: says to run fix, exit 1', async () => {
    const out = await bakeTrust({ ...args, base: 'debian' }, fakeHost());
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    assert.match(out.stderr, /eliza-doctor fix/);
  });

  it('--ca-file is read instead, and a missing one is a usage error', async () => {
    const host = fakeHost({}, { '/tmp/allCAs.pem': pki.bundlePem });
    const out = await bakeTrust({ ...args, base: 'rhel', caFile: '/tmp/allCAs.pem' }, host);
    assert.equal(out.code, 0);
    assert.equal(heredocs(out.stdout).length, 2);
    await assert.rejects(bakeTrust({ ...args, base: 'rhel', caFile: '/nope.pem' }, host), ConfigError);
  });

  it('a malformed --ca-sha256 is a usage error', async () => {
    await assert.rejects(bakeTrust({ caSha256: ['abc'], base: 'debian' }, fakeHost()), ConfigError);
  });
});

describe('dockerfile: the base', () => {
  const bundle = { [INSTALLED]: pki.bundlePem };
  it('is detected from /etc/os-release', async () => {
    const host = fakeHost({}, { ...bundle, '/etc/os-release': 'ID=alpine\nVERSION_ID=3.20.0\n' });
    const out = await bakeTrust({ caSha256: pinned }, host);
    assert.equal(out.code, 0);
    assert.ok(out.stdout.includes('RUN apk add --no-cache ca-certificates'));
  });
  it('a named one wins over the detected one', async () => {
    const host = fakeHost({}, { ...bundle, '/etc/os-release': 'ID=alpine\n' });
    const out = await bakeTrust({ caSha256: pinned, base: 'rhel' }, host);
    assert.ok(out.stdout.includes('RUN update-ca-trust'));
  });
  it('cannot be detected on macOS: a usage error asking for --base', async () => {
    const host: Host = { ...fakeHost({}, bundle), platform: 'darwin' };
    await assert.rejects(bakeTrust({ caSha256: pinned }, host), ConfigError);
  });
});
