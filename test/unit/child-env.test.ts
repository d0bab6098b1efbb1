import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEUTRAL_CWD, recheckEnv } from '../../src/child-env.ts';
import type { ExecOptions, Host } from '../../src/host.ts';
import { freshNodeHandshake } from '../../src/trust/probes.ts';
import { pythonHandshake } from '../../src/trust/python.ts';
import { fakeHost } from '../helpers/fakes.ts';

const SECRET = 'y0_secret_token_value';
const userEnv = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/user',
  ELIZA_TOKEN: SECRET,
  OPENAI_API_KEY: SECRET,
  PYTHONPATH: '/home/user/evil',
  PYTHONSTARTUP: '/home/user/evil.py',
  NODE_OPTIONS: '--require /home/user/evil.js --use-openssl-ca',
  NODE_EXTRA_CA_CERTS: '/home/user/ca.pem',
  SSL_CERT_FILE: '/home/user/merged.pem',
  REQUESTS_CA_BUNDLE: '/home/user/merged.pem',
  HTTPS_PROXY: 'http://proxy:3128',
};

function recordingHost(): { host: Host; calls: { file: string; args: string[]; options: ExecOptions }[] } {
  const calls: { file: string; args: string[]; options: ExecOptions }[] = [];
  const host = fakeHost(userEnv);
  host.exec = async (file, args, options) => {
    calls.push({ file, args, options });
    return { code: 0, stdout: '{}', stderr: '', timedOut: false, error: null };
  };
  return { host, calls };
}

const target = { address: '127.0.0.1', port: 443, host: 'api.eliza.yandex.net' };

describe('child processes run isolated', () => {
  it('the fresh Node probe: neutral cwd, the trust variables, no token, no --require', async () => {
    const { host, calls } = recordingHost();
    await freshNodeHandshake(host, userEnv, target, 1000);
    const { options } = calls[0]!;
    assert.equal(options.cwd, NEUTRAL_CWD);
    assert.deepEqual(Object.keys(options.env).sort(), [
      'HOME',
      'NODE_EXTRA_CA_CERTS',
      'NODE_OPTIONS',
      'PATH',
      'SSL_CERT_FILE',
    ]);
    assert.equal(options.env.NODE_OPTIONS, '--use-openssl-ca');
  });
  it('the Python probe: -I, neutral cwd, the trust variables only', async () => {
    const { host, calls } = recordingHost();
    await pythonHandshake(host, '/usr/bin/python3', userEnv, target, 1000);
    const { args, options } = calls[0]!;
    assert.equal(args[0], '-I');
    assert.equal(options.cwd, NEUTRAL_CWD);
    assert.deepEqual(Object.keys(options.env).sort(), [
      'HOME',
      'PATH',
      'REQUESTS_CA_BUNDLE',
      'SSL_CERT_FILE',
    ]);
    const job = await options.input!;
    assert.ok(!job.includes(SECRET));
  });
  it('a proxy credential goes only to the probe that tunnels through it', async () => {
    const { host, calls } = recordingHost();
    const via = { ...target, gatewayPort: 443, proxyAuthorization: 'Basic dTpw' };
    await pythonHandshake(host, '/usr/bin/python3', userEnv, via, 1000);
    assert.equal(
      calls[0]!.options.env.ELIZA_DOCTOR_PROXY_AUTH,
      undefined,
      'not in the environment it starts with',
    );
    assert.equal(JSON.parse(await calls[0]!.options.input!).proxyAuth, 'Basic dTpw');
  });
  it("fix's re-check: what a new terminal's trust depends on, nothing secret", () => {
    const env = recheckEnv({
      ...userEnv,
      SHELL: '/bin/zsh',
      GIT_SSL_CAINFO: '/x',
      NPM_CONFIG__AUTHTOKEN: SECRET,
      ELIZA_BASE_URL: 'https://gateway.example:8443',
    });
    assert.equal(env.ELIZA_BASE_URL, 'https://gateway.example:8443');
    assert.ok(!Object.values(env).includes(SECRET));
    assert.equal(env.SHELL, '/bin/zsh');
    assert.equal(env.GIT_SSL_CAINFO, '/x');
    assert.equal(env.HTTPS_PROXY, 'http://proxy:3128');
    assert.equal(env.NODE_OPTIONS, '--use-openssl-ca');
    assert.equal(env.PYTHONPATH, undefined);
  });
  it("fix's re-check: the client variables its client checks read, the Eliza token still not", () => {
    const env = recheckEnv({ ...userEnv, ANTHROPIC_AUTH_TOKEN: 'k', CLAUDE_CODE_CERT_STORE: 'bundled' });
    assert.equal(env.ANTHROPIC_AUTH_TOKEN, 'k');
    assert.equal(env.CLAUDE_CODE_CERT_STORE, 'bundled');
    assert.equal(env.ELIZA_TOKEN, undefined);
  });
});
