import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientCodexCheck } from '../../checks/client-codex.ts';
import { codexFixer } from '../../src/clients/codex.ts';
import { buildConfig } from '../../src/config.ts';
import type { CheckResult } from '../../src/engine/types.ts';
import { realHost } from '../../src/host.ts';
import { createNet, type Net } from '../../src/net/index.ts';
import { SIM_MODELS, type SimGateway, startSimGateway } from '../../src/sim/gateway.ts';
import { issue } from '../../src/sim/pki.ts';
import { pki, tempDir } from '../helpers/cli.ts';
import { fakeContext } from '../helpers/fakes.ts';

const TOKEN = 'sim-token-codex-4242';
const HOME = '/home/user';
const CONFIG = `${HOME}/.codex/config.toml`;
const OS_STORE = '/etc/ssl/certs/ca-certificates.crt';
const now = new Date();
const unrelatedCa = issue({
  commonName: 'Unrelated CA',
  ca: true,
  notBefore: new Date(now.getTime() - 86_400_000),
  notAfter: new Date(now.getTime() + 86_400_000 * 30),
});

let sim: SimGateway;
let net: Net;
let base: string;
before(async () => {
  sim = await startSimGateway({ pki: pki(), token: TOKEN });
  base = `https://127.0.0.1:${sim.port}`;
  net = createNet({ timeoutMs: 5000, resolve: [], env: {} });
});
after(async () => {
  await net.close();
  await sim.close();
});

function providerToml(
  options: { url?: string; envKey?: string | null; wire?: string; model?: string | null } = {},
) {
  const lines = [];
  if (options.model !== null) lines.push(`model = "${options.model ?? 'gpt-5-mini'}"`);
  lines.push('model_provider = "eliza"', '', '[model_providers.eliza]', 'name = "Eliza"');
  lines.push(`base_url = "${options.url ?? `${base}/raw/openai/v1`}"`);
  if (options.envKey !== null) lines.push(`env_key = "${options.envKey ?? 'ELIZA_TOKEN'}"`);
  if (options.wire) lines.push(`wire_api = "${options.wire}"`);
  return `${lines.join('\n')}\n`;
}

/** The check on a faked machine (files, variables) against the loopback gateway. */
async function verdict(options: {
  config?: string | null;
  env?: Record<string, string>;
  files?: Record<string, string>;
  osStore?: string;
}) {
  const files: Record<string, string> = { [`${HOME}/.codex`]: '', ...options.files };
  if (options.config !== null) files[CONFIG] = options.config ?? providerToml();
  if (options.osStore !== undefined) files[OS_STORE] = options.osStore;
  const secrets: string[] = [];
  const ctx = fakeContext({
    raw: { baseUrl: base },
    env: { ELIZA_TOKEN: TOKEN, ...options.env },
    files,
    dependencies: {
      tcp: { data: { working: [{ address: '127.0.0.1' }] } } as never,
      models: { data: { ids: SIM_MODELS } } as never,
    },
  });
  const result = await clientCodexCheck.run({
    ...ctx,
    net,
    registerSecret: (v: unknown) => void secrets.push(String(v)),
  });
  return { result, secrets, shown: JSON.stringify(result) };
}

const simCa = () => pki().root.pem;

describe('client-codex: found or not', () => {
  it('neither installed nor configured: CLIENT_NOT_FOUND, without touching the network', async () => {
    const ctx = fakeContext({ raw: { baseUrl: 'https://gateway.test' } });
    assert.equal((await clientCodexCheck.run(ctx)).code, 'CLIENT_NOT_FOUND');
  });
  it('installed, pointed elsewhere (no config, or another provider): CLIENT_NOT_ELIZA with the snippet', async () => {
    const bare = await verdict({ config: null });
    assert.equal(bare.result.code, 'CLIENT_NOT_ELIZA');
    assert.equal(bare.result.status, 'skip');
    const other = await verdict({
      config:
        'model_provider = "o"\n[model_providers.o]\nname = "O"\nbase_url = "https://other.example/v1"\nenv_key = "O"\n',
    });
    assert.equal(other.result.code, 'CLIENT_NOT_ELIZA');
  });
  it('a config Codex refuses: CLIENT_CONFIG_INVALID', async () => {
    for (const config of ['model = "x\n', 'profile = "work"\n', 'model_provider = "nope"\n']) {
      assert.equal((await verdict({ config })).result.code, 'CLIENT_CONFIG_INVALID', config);
    }
  });
});

describe('client-codex: trust as Codex (rustls, native roots) has it', () => {
  it('the OS store alone', async () => {
    const { result } = await verdict({ osStore: simCa() });
    assert.equal(result.status, 'pass', result.summary);
  });
  it('CODEX_CA_CERTIFICATE, on top of an OS store without the CA', async () => {
    const { result } = await verdict({
      osStore: unrelatedCa.pem,
      env: { CODEX_CA_CERTIFICATE: '/ca/internal.pem' },
      files: { '/ca/internal.pem': simCa() },
    });
    assert.equal(result.status, 'pass', result.summary);
  });
  it('SSL_CERT_FILE', async () => {
    const { result } = await verdict({
      env: { SSL_CERT_FILE: '/ca/internal.pem' },
      files: { '/ca/internal.pem': simCa() },
    });
    assert.equal(result.status, 'pass', result.summary);
  });
  it('CODEX_CA_CERTIFICATE adds to the OS store; SSL_CERT_FILE replaces it', async () => {
    const adds = await verdict({
      osStore: simCa(),
      env: { CODEX_CA_CERTIFICATE: '/ca/other.pem' },
      files: { '/ca/other.pem': unrelatedCa.pem },
    });
    assert.equal(adds.result.status, 'pass', adds.result.summary);
    const replaces = await verdict({
      osStore: simCa(),
      env: { SSL_CERT_FILE: '/ca/other.pem' },
      files: { '/ca/other.pem': unrelatedCa.pem },
    });
    assert.equal(replaces.result.code, 'CLIENT_UNTRUSTED');
  });
  it('untrusted, NODE_EXTRA_CA_CERTS included: Codex does not read it', async () => {
    assert.equal((await verdict({ osStore: unrelatedCa.pem })).result.code, 'CLIENT_UNTRUSTED');
    const nodeOnly = await verdict({
      osStore: unrelatedCa.pem,
      env: { NODE_EXTRA_CA_CERTS: '/ca/internal.pem' },
      files: { '/ca/internal.pem': simCa() },
    });
    assert.equal(nodeOnly.result.code, 'CLIENT_UNTRUSTED');
    assert.equal(nodeOnly.result.fix?.automated, true);
  });
  it('a new terminal sets CODEX_CA_CERTIFICATE (as fix writes it), this shell does not: CLIENT_NEW_SHELL_ONLY', async () => {
    const { result } = await verdict({
      osStore: unrelatedCa.pem,
      env: { SHELL: '/bin/bash' },
      files: {
        '/ca/internal.pem': simCa(),
        [`${HOME}/.bashrc`]: 'export CODEX_CA_CERTIFICATE=/ca/internal.pem\n',
        [`${HOME}/.profile`]: '. "$HOME/.bashrc"\n',
      },
    });
    assert.equal(result.code, 'CLIENT_NEW_SHELL_ONLY', result.summary);
    assert.equal(result.status, 'warn');
  });
  it('a CODEX_CA_CERTIFICATE file that is missing: CLIENT_CA_UNREADABLE (Codex never connects)', async () => {
    const { result } = await verdict({ osStore: simCa(), env: { CODEX_CA_CERTIFICATE: '/nope.pem' } });
    assert.equal(result.code, 'CLIENT_CA_UNREADABLE');
  });
});

describe('client-codex: the config against the route, key and model', () => {
  const trusted = { osStore: simCa() };
  it('http://, no /raw, no path: their codes, each with fix editing config.toml', async () => {
    const cases: [string, string][] = [
      [`http://127.0.0.1:${0}/raw/openai/v1`, 'CLIENT_BASE_URL_HTTP'],
      ['/openai/v1', 'CLIENT_BASE_URL_NOT_RAW'],
      ['', 'CLIENT_WRONG_ROUTE'],
    ];
    for (const [suffix, code] of cases) {
      const url = suffix.startsWith('http://')
        ? `http://127.0.0.1:${sim.port}/raw/openai/v1`
        : `${base}${suffix}`;
      const { result } = await verdict({ ...trusted, config: providerToml({ url }) });
      assert.equal(result.code, code, url);
      assert.equal(result.fix?.automated, true, code);
    }
  });
  it('a wrong key: CLIENT_KEY_REJECTED; env_key unset or empty, or none at all: CLIENT_KEY_MISSING', async () => {
    const wrong = await verdict({
      ...trusted,
      config: providerToml({ envKey: 'OTHER_KEY' }),
      env: { OTHER_KEY: 'wrong-key-123456' },
    });
    assert.equal(wrong.result.code, 'CLIENT_KEY_REJECTED');
    assert.equal(wrong.result.fix?.automated, true);
    assert.ok(!wrong.shown.includes('wrong-key-123456'));
    const unset = await verdict({ ...trusted, config: providerToml({ envKey: 'UNSET_KEY' }) });
    assert.equal(unset.result.code, 'CLIENT_KEY_MISSING');
    const empty = await verdict({
      ...trusted,
      config: providerToml({ envKey: 'EMPTY' }),
      env: { EMPTY: '' },
    });
    assert.equal(empty.result.code, 'CLIENT_KEY_MISSING');
    const none = await verdict({ ...trusted, config: providerToml({ envKey: null }) });
    assert.equal(none.result.code, 'CLIENT_KEY_MISSING');
  });
  it('wire_api = "chat": CLIENT_WIRE_API_UNSUPPORTED', async () => {
    const { result } = await verdict({ ...trusted, config: providerToml({ wire: 'chat' }) });
    assert.equal(result.code, 'CLIENT_WIRE_API_UNSUPPORTED');
    assert.equal(result.fix?.automated, true);
  });
  it("a model Eliza does not offer, or none (Codex's own default): CLIENT_MODEL_UNKNOWN", async () => {
    const named = await verdict({ ...trusted, config: providerToml({ model: 'no-such-model' }) });
    assert.equal(named.result.code, 'CLIENT_MODEL_UNKNOWN');
    const none = await verdict({ ...trusted, config: providerToml({ model: null }) });
    assert.equal(none.result.code, 'CLIENT_MODEL_UNKNOWN');
  });
  it('the built-in openai provider via openai_base_url, its key from CODEX_API_KEY or codex login', async () => {
    const config = `model = "gpt-5-mini"\nopenai_base_url = "${base}/raw/openai/v1"\n`;
    const env = await verdict({ ...trusted, config, env: { CODEX_API_KEY: TOKEN } });
    assert.equal(env.result.status, 'pass', env.result.summary);
    const login = await verdict({
      ...trusted,
      config,
      files: { [`${HOME}/.codex/auth.json`]: JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: TOKEN }) },
    });
    assert.equal(login.result.status, 'pass', login.result.summary);
    const nothing = await verdict({ ...trusted, config, env: { OPENAI_API_KEY: TOKEN } });
    assert.equal(nothing.result.code, 'CLIENT_KEY_MISSING');
  });
  it('a working setup passes; its key is registered as a secret and never shown', async () => {
    const { result, secrets, shown } = await verdict(trusted);
    assert.equal(result.status, 'pass', result.summary);
    assert.ok(secrets.includes(TOKEN));
    assert.ok(!shown.includes(TOKEN));
  });
});

describe('client-codex fix: config.toml', () => {
  function fixInput(home: string, env: Record<string, string>) {
    const host = realHost({ HOME: home, PATH: '/usr/bin:/bin', ...env });
    const config = buildConfig({ baseUrl: 'https://api.eliza.yandex.net' }, env);
    const models = { status: 'pass', data: { ids: SIM_MODELS } } as unknown as CheckResult;
    return { host, config, results: new Map([['models', models]]), caPath: '/x', result: {} as CheckResult };
  }

  it('points a config at Eliza, keeping the rest; a second run changes nothing', async () => {
    const home = tempDir();
    mkdirSync(path.join(home, '.codex'));
    const file = path.join(home, '.codex', 'config.toml');
    const before =
      '# mine\nmodel = "gpt-4.1"  # old\n\n[model_providers.eliza]\nname = "Eliza"\nbase_url = "http://api.eliza.yandex.net/openai/v1"\nwire_api = "chat"\n\n[tui]\ntheme = "dark"\n';
    writeFileSync(file, before);
    const env = { ELIZA_TOKEN: TOKEN };
    const plan = await codexFixer(fixInput(home, env));
    assert.equal(plan.edits.length, 1);
    const after = plan.edits[0]!.after;
    assert.ok(after.includes('# mine') && after.includes('# old') && after.includes('[tui]'));
    assert.ok(!after.includes(TOKEN));
    writeFileSync(file, after);
    const again = await codexFixer(fixInput(home, env));
    assert.equal(again.edits.length, 0);
    assert.equal(readFileSync(file, 'utf8'), after);
  });

  it('creates the file when absent; leaves invalid TOML alone', async () => {
    const home = tempDir();
    const created = await codexFixer(fixInput(home, { ELIZA_TOKEN: TOKEN }));
    assert.equal(created.edits.length, 1);
    assert.ok(created.edits[0]!.after.includes('[model_providers.eliza]'));
    mkdirSync(path.join(home, '.codex'));
    writeFileSync(path.join(home, '.codex', 'config.toml'), 'model = "x\n');
    const refused = await codexFixer(fixInput(home, { ELIZA_TOKEN: TOKEN }));
    assert.equal(refused.edits.length, 0);
    assert.equal(refused.notes.length, 1);
  });
});
