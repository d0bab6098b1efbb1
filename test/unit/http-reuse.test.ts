import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLookup } from '../../src/net/dns.ts';
import { createHttpClient } from '../../src/net/http.ts';
import { createTrustStore } from '../../src/net/trust-store.ts';
import { createSimPki } from '../../src/sim/pki.ts';
import { SIM_HOST } from '../../src/sim/scenarios.ts';

describe("the doctor's requests share connections", () => {
  const pki = createSimPki();
  let server: https.Server;
  let port = 0;
  let connections = 0;
  before(async () => {
    server = https.createServer(
      { cert: pki.variant('good').chain, key: pki.variant('good').key, keepAliveTimeout: 5000 },
      (request, response) => {
        // /slow holds its connection, as a chat does while the model thinks.
        setTimeout(() => response.end('ok'), request.url === '/slow' ? 400 : 0);
      },
    );
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it("a request made on an answer (models on token) goes out on that answer's connection, even when the first requests went out at once", async () => {
    const client = createHttpClient({
      timeoutMs: 5000,
      lookup: createLookup([{ host: SIM_HOST, port, addresses: ['127.0.0.1'] }], 5000),
      trustStore: createTrustStore(),
      env: {},
    });
    const get = (path: string) =>
      client.request({
        url: `https://${SIM_HOST}:${port}${path}`,
        extraCa: pki.bundlePem,
        signal: AbortSignal.timeout(5000),
      });
    try {
      // All at once, before undici has even loaded: as token, round-trip and stream start.
      const slow = [get('/slow'), get('/slow')];
      const first = await get('/quick');
      assert.ok(first.ok);
      const next = await get('/next');
      assert.ok(next.ok);
      assert.equal(next.wire?.tcpMs ?? null, null, 'no connect of its own');
      for (const answer of await Promise.all(slow)) assert.ok(answer.ok);
      assert.equal(connections, 3, 'three connections for three requests at once, none more');
    } finally {
      client.close();
    }
  });
});
