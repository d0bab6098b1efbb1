import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { createLookup } from '../../src/net/dns.ts';
import { createHttpClient } from '../../src/net/http.ts';
import { createTrustStore, type TrustStore } from '../../src/net/trust-store.ts';
import { distinctCertBlocks } from '../../src/pki/cert.ts';
import { createSimPki, issue, newKeyPair } from '../../src/sim/pki.ts';
import { SIM_HOST } from '../../src/sim/scenarios.ts';

const run = promisify(execFile);

describe("the doctor's own requests: the internal CAs first, the bundled roots when they alone do not verify", () => {
  const pki = createSimPki();
  const other = createSimPki();
  let server: https.Server;
  let port = 0;
  before(async () => {
    server = https.createServer(
      { cert: pki.variant('good').chain, key: pki.variant('good').key },
      (_request, response) => response.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  /** A store whose "roots" are a given PEM, and which counts how often they were asked for. */
  const storeWith = (rootsPem: string) => {
    const asked = { withRoots: 0 };
    const store: TrustStore = {
      only: (pem) => tls.createSecureContext({ ca: pem }),
      withRoots: (extraCa) => {
        asked.withRoots++;
        return tls.createSecureContext({ ca: [rootsPem, extraCa].filter(Boolean) });
      },
    };
    return { store, asked };
  };
  const get = async (store: TrustStore, extraCa: string, at = port, extraCaOnly = false) => {
    const client = createHttpClient({
      timeoutMs: 5000,
      lookup: createLookup([{ host: SIM_HOST, port: at, addresses: ['127.0.0.1'] }], 5000),
      trustStore: store,
      env: {},
    });
    try {
      return await client.request({
        url: `https://${SIM_HOST}:${at}/`,
        extraCa,
        ...(extraCaOnly ? { extraCaOnly } : {}),
        signal: AbortSignal.timeout(5000),
      });
    } finally {
      client.close();
    }
  };

  it('a chain that ends at the internal root: verified by it alone, the roots never parsed', async () => {
    const { store, asked } = storeWith(other.root.pem);
    const answer = await get(store, pki.bundlePem);
    assert.ok(answer.ok && answer.status === 200);
    assert.equal(asked.withRoots, 0);
  });

  it('a chain that ends at one of the roots: verified on a second handshake that trusts them too', async () => {
    const { store, asked } = storeWith(pki.root.pem);
    const answer = await get(store, other.bundlePem);
    assert.ok(answer.ok && answer.status === 200);
    assert.equal(asked.withRoots, 1);
  });

  it('a server the internal CAs alone did not verify: its next connection trusts the roots at once', async () => {
    const { store, asked } = storeWith(pki.root.pem);
    let handshakes = 0;
    // Each answer closes its connection: every request needs a new one.
    const counted = https.createServer(
      { cert: pki.variant('good').chain, key: pki.variant('good').key },
      (_request, response) => response.setHeader('connection', 'close').end('ok'),
    );
    // Every connection begun, those whose chain the client refused included.
    counted.on('connection', () => handshakes++);
    await new Promise<void>((resolve) => counted.listen(0, '127.0.0.1', resolve));
    const at = (counted.address() as AddressInfo).port;
    const client = createHttpClient({
      timeoutMs: 5000,
      lookup: createLookup([{ host: SIM_HOST, port: at, addresses: ['127.0.0.1'] }], 5000),
      trustStore: store,
      env: {},
    });
    const ask = () =>
      client.request({
        url: `https://${SIM_HOST}:${at}/`,
        extraCa: other.bundlePem,
        signal: AbortSignal.timeout(5000),
      });
    try {
      const first = await ask();
      assert.ok(first.ok && first.status === 200);
      assert.equal(handshakes, 2);
      const second = await ask();
      assert.ok(second.ok && second.status === 200);
      assert.equal(handshakes, 3);
      assert.equal(asked.withRoots, 1);
    } finally {
      client.close();
      counted.close();
    }
  });

  it("a client's own list alone: no second handshake with the roots, so no key goes where the client would not send it", async () => {
    const { store, asked } = storeWith(pki.root.pem);
    const answer = await get(store, other.bundlePem, port, true);
    assert.ok(!answer.ok);
    assert.equal(answer.failure.kind, 'tls-untrusted');
    assert.equal(asked.withRoots, 0);
    const trusted = await get(store, pki.bundlePem, port, true);
    assert.ok(trusted.ok && trusted.status === 200);
  });

  it('a public chain served with an expired cross-sign: verified by the roots, though the internal CAs alone call it expired', async () => {
    const day = 86_400_000;
    const at = (days: number) => new Date(Date.now() + days * day);
    // The root, and the same root's key and name once vouched for by an older root: expired since.
    const rootAs = { commonName: 'Public Root', ca: true, key: newKeyPair('rsa') };
    const publicRoot = issue({ ...rootAs, notBefore: at(-400), notAfter: at(3650) });
    const oldRoot = issue({ commonName: 'Old Root', ca: true, notBefore: at(-4000), notAfter: at(3650) });
    const crossSign = issue({ ...rootAs, issuer: oldRoot, notBefore: at(-4000), notAfter: at(-10) });
    const publicIntermediate = issue({
      commonName: 'Public Intermediate',
      ca: true,
      issuer: publicRoot,
      notBefore: at(-300),
      notAfter: at(1000),
    });
    const leaf = issue({
      commonName: SIM_HOST,
      names: [SIM_HOST],
      issuer: publicIntermediate,
      notBefore: at(-30),
      notAfter: at(300),
    });
    const crossServer = https.createServer(
      { cert: leaf.pem + publicIntermediate.pem + crossSign.pem + oldRoot.pem, key: leaf.keyPem },
      (_request, response) => response.end('ok'),
    );
    await new Promise<void>((resolve) => crossServer.listen(0, '127.0.0.1', resolve));
    const crossPort = (crossServer.address() as AddressInfo).port;
    try {
      const { store, asked } = storeWith(publicRoot.pem);
      const answer = await get(store, pki.bundlePem, crossPort);
      assert.ok(
        answer.ok && answer.status === 200,
        answer.ok ? '' : `${answer.failure.kind} ${answer.failure.cause}`,
      );
      assert.equal(asked.withRoots, 1);
    } finally {
      crossServer.close();
    }
  });

  it('a chain that ends at neither: untrusted, as it always was', async () => {
    const { store } = storeWith(other.root.pem);
    const answer = await get(store, createSimPki().bundlePem);
    assert.ok(!answer.ok);
    assert.equal(answer.failure.kind, 'tls-untrusted');
  });

  it('a list that holds a CA twice (the OS store and the bundled roots) is loaded with each once', async () => {
    const twice = `${pki.bundlePem}\n${pki.bundlePem.replace(/\n/g, '\r\n')}\n# a comment\n${other.root.pem}`;
    const count = (pem: string) => pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0;
    assert.equal(count(distinctCertBlocks(twice)), count(pki.bundlePem) + 1);
    assert.equal(distinctCertBlocks('no certificates here'), '');
    const answer = await get(createTrustStore(), twice);
    assert.ok(answer.ok && answer.status === 200);
  });

  it("a list with no certificate trusts nothing, not Node's defaults with NODE_EXTRA_CA_CERTS", async () => {
    // In a process whose NODE_EXTRA_CA_CERTS names the gateway's root: Node's defaults trust it.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-store-'));
    const extra = path.join(dir, 'extra.pem');
    writeFileSync(extra, pki.root.pem);
    const script = `
      import tls from 'node:tls';
      import { createTrustStore } from ${JSON.stringify(new URL('../../src/net/trust-store.ts', import.meta.url).href)};
      const handshake = (secureContext) => new Promise((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: ${port}, servername: ${JSON.stringify(SIM_HOST)}, secureContext, rejectUnauthorized: false }, () => {
          resolve(socket.authorized);
          socket.destroy();
        });
        socket.on('error', () => resolve('error'));
      });
      const store = createTrustStore();
      console.log(JSON.stringify({
        defaults: await handshake(tls.createSecureContext({ ca: '' })),
        empty: await handshake(store.only('')),
        noCertificate: await handshake(store.only('no certificates here')),
      }));`;
    // Not spawnSync: the server answering the child runs on this thread.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: extra },
      timeout: 20_000,
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
    assert.deepEqual(JSON.parse(stdout), { defaults: true, empty: false, noCertificate: false });
  });

  it("the real store: the bundled roots and extraCa, never the environment's NODE_EXTRA_CA_CERTS", async () => {
    const answer = await get(createTrustStore(), pki.bundlePem);
    assert.ok(answer.ok && answer.status === 200);
    const none = await get(createTrustStore(), '');
    assert.ok(!none.ok && none.failure.kind === 'tls-untrusted');
  });
});
