import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pki, runCli, tempDir, tempHome } from '../helpers/cli.ts';

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
