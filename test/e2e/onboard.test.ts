import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { pki, runCli, runProgram, stage, tempDir, tempHome } from '../helpers/cli.ts';

describe('eliza-doctor dockerfile, spawned', () => {
  it('prints the lines for a named base from a verified --ca-file', async () => {
    const file = path.join(tempDir(), 'allCAs.pem');
    writeFileSync(file, pki().bundlePem);
    const result = await runCli(
      ['dockerfile', '--base', 'alpine', '--ca-file', file, '--ca-sha256', pki().root.cert.fingerprint256],
      { home: tempHome() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.match(/^COPY <<EOF /gm)?.length, 2);
    assert.match(result.stdout, /^RUN update-ca-certificates$/m);
  });

  it('before any fix: exit 1 and nothing on stdout', async () => {
    const result = await runCli(['dockerfile', '--base', 'debian'], { home: tempHome() });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
  });

  it('an unknown base is a usage error', async () => {
    const result = await runCli(['dockerfile', '--base', 'windows'], { home: tempHome() });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
  });

  it('--devcontainer prints the containerEnv', async () => {
    const result = await runCli(['dockerfile', '--base', 'rhel', '--devcontainer'], { home: tempHome() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"containerEnv"/);
  });
});

/**
 * The Debian recipe, run for real where Debian's update-ca-certificates is at hand: it takes its
 * folders as flags, so the image's store is rebuilt in a temporary root, and Node, Python and curl
 * then prove against the loopback gateway that the ENV lines make them trust it.
 */
const UPDATE = '/usr/sbin/update-ca-certificates';
const debianTools =
  existsSync(UPDATE) &&
  readFileSync(UPDATE, 'utf8').includes('--localcertsdir') &&
  existsSync('/etc/ca-certificates.conf') &&
  existsSync('/usr/share/ca-certificates') &&
  spawnSync('openssl', ['version']).status === 0;

describe('the Debian lines, built into a store in a temporary root', () => {
  it('make Node, Python and curl trust the gateway, public roots kept', {
    skip: debianTools
      ? false
      : "Debian's update-ca-certificates (with --localcertsdir) and openssl are not here",
    timeout: 60_000,
  }, async () => {
    const root = tempDir('eliza-doctor-image-');
    const caFile = path.join(root, 'allCAs.pem');
    writeFileSync(caFile, pki().bundlePem);
    const printed = await runCli(
      ['dockerfile', '--base', 'debian', '--ca-file', caFile, '--ca-sha256', pki().root.cert.fingerprint256],
      { home: tempHome() },
    );
    assert.equal(printed.code, 0, printed.stderr);
    const text = printed.stdout;
    const inRoot = (file: string) => path.join(root, file);

    for (const [, dest, body] of text.matchAll(/^COPY <<EOF (\S+)\n([\s\S]*?)\nEOF$/gm)) {
      assert.ok(dest!.startsWith('/usr/local/share/ca-certificates/'), dest);
      mkdirSync(path.dirname(inRoot(dest!)), { recursive: true });
      writeFileSync(inRoot(dest!), `${body}\n`);
    }
    mkdirSync(inRoot('/etc/ssl/certs'), { recursive: true });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: root };
    const update = await runProgram(
      'sh',
      [
        UPDATE,
        '--fresh',
        '--certsconf',
        '/etc/ca-certificates.conf',
        '--certsdir',
        '/usr/share/ca-certificates',
        '--localcertsdir',
        inRoot('/usr/local/share/ca-certificates'),
        '--etccertsdir',
        inRoot('/etc/ssl/certs'),
        '--hooksdir',
        inRoot('/no-hooks'),
      ],
      { env, cwd: root },
    );
    assert.equal(update.code, 0, update.stderr);
    assert.match(text, /^RUN update-ca-certificates$/m, 'the step run here is the step printed');

    const envLine = text.slice(text.indexOf('\nENV ') + 1);
    const variables = Object.fromEntries([...envLine.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const bundle = inRoot(variables.SSL_CERT_FILE!);
    const pems = readFileSync(bundle, 'utf8').match(/BEGIN CERTIFICATE/g)?.length ?? 0;
    assert.ok(pems > 100, `the OS bundle keeps the public roots (${pems} certificates)`);

    const staged = await stage(scenarioByName('healthy')!);
    try {
      const port = staged.sim.port;
      const connect = `const s=require('tls').connect({host:'127.0.0.1',port:${port},servername:'api.eliza.yandex.net'},()=>{s.end();process.stdout.write('trusted')});s.on('error',e=>{process.stdout.write(e.code||e.message)})`;
      const node = (extra: Record<string, string>) =>
        runProgram(process.execPath, ['-e', connect], { env: { ...env, ...extra } });
      assert.equal((await node({})).stdout, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'without the image lines');
      assert.equal(
        (await node({ NODE_EXTRA_CA_CERTS: inRoot(variables.NODE_EXTRA_CA_CERTS!) })).stdout,
        'trusted',
      );

      if (spawnSync('python3', ['-c', '0']).status === 0) {
        const script = `import socket, ssl; c = ssl.create_default_context(); c.wrap_socket(socket.create_connection(('127.0.0.1', ${port}), timeout=10), server_hostname='api.eliza.yandex.net').close(); print('trusted')`;
        const python = await runProgram('python3', ['-I', '-c', script], {
          env: { ...env, SSL_CERT_FILE: inRoot(variables.SSL_CERT_FILE!) },
        });
        assert.equal(python.stdout.trim(), 'trusted', python.stderr);
      }
      if (spawnSync('curl', ['--version']).status === 0) {
        // In the image curl reads the OS bundle by default; here it lives in the temporary root.
        const curl = await runProgram(
          'curl',
          [
            '-sS',
            '-o',
            '/dev/null',
            '--max-time',
            '10',
            '--cacert',
            bundle,
            '--resolve',
            `api.eliza.yandex.net:${port}:127.0.0.1`,
            `https://api.eliza.yandex.net:${port}/`,
          ],
          { env },
        );
        assert.equal(curl.code, 0, curl.stderr);
      }
    } finally {
      await staged.close();
    }
  });
});
