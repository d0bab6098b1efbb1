import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientVscodeCheck } from '../../checks/client-vscode.ts';
import { continueFixer, parseContinueConfig } from '../../src/clients/continue.ts';
import type { CheckResult } from '../../src/engine/types.ts';
import type { VscodeFacts } from '../../src/facts.ts';
import { createNet, type Net } from '../../src/net/index.ts';
import { SIM_MODELS, type SimGateway, startSimGateway } from '../../src/sim/gateway.ts';
import { pki } from '../helpers/cli.ts';
import { fakeContext, fakeHost } from '../helpers/fakes.ts';

const TOKEN = 'y0_simvscode0123456789abcdef';
const HOME = '/home/user';
const CONTINUE = `${HOME}/.continue/config.yaml`;
const SETTINGS = `${HOME}/.config/Code/User/settings.json`;
const CLINE = `${HOME}/.cline/data/settings/providers.json`;
const CA = `${HOME}/eliza-ca.pem`;
const OS_STORE = '/etc/ssl/certs/ca-certificates.crt';

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

function continueModel(
  over: { apiBase?: string; apiKey?: string | null; model?: string; options?: string } = {},
) {
  const key = over.apiKey === undefined ? TOKEN : over.apiKey;
  return [
    'name: Local Assistant',
    'version: 1.0.0',
    'schema: v1',
    'models:',
    '  - name: Eliza # via the gateway',
    '    provider: openai',
    `    model: ${over.model ?? 'gpt-5-mini'}`,
    `    apiBase: ${over.apiBase ?? `${base}/raw/openai/v1`}`,
    ...(key === null ? [] : [`    apiKey: ${key}`]),
    ...(over.options ? ['    requestOptions:', ...over.options.split('\n').map((l) => `      ${l}`)] : []),
    '',
  ].join('\n');
}

async function judge(files: Record<string, string>, env: Record<string, string> = {}) {
  const ctx = fakeContext({
    raw: { baseUrl: base },
    env: { ELIZA_TOKEN: TOKEN, ...env },
    files,
    dependencies: {
      tcp: { data: { working: [{ address: '127.0.0.1' }] } },
      models: { data: { ids: SIM_MODELS } },
    },
  });
  return clientVscodeCheck.run({ ...ctx, net });
}

const withCa = (files: Record<string, string>) => ({ [CA]: pki().bundlePem, ...files });

describe('client-vscode: found or not', () => {
  it('skips quickly when neither VS Code nor an extension is there', async () => {
    assert.equal((await judge({})).code, 'CLIENT_NOT_FOUND');
  });
  it('installed, nothing pointed at Eliza: the onboarding skip with the Continue snippet', async () => {
    const other = 'models:\n  - name: Local\n    provider: ollama\n    model: llama3\n';
    const result = await judge({ [CONTINUE]: other, [`${HOME}/.continue`]: '' });
    assert.equal(result.code, 'CLIENT_NOT_ELIZA');
    assert.equal(result.status, 'skip');
    assert.deepEqual(result.fix?.commands, ['eliza-doctor setup continue']);
    const snippet = parseContinueConfig(result.details.filter((l) => !l.startsWith('Roo')).join('\n'), 'x');
    assert.ok(snippet.ok && snippet.models[0]?.apiBase?.value === `${base}/raw/openai/v1`);
    const onlyCode = await judge({ [`${HOME}/.config/Code/User`]: '' });
    assert.equal(onlyCode.code, 'CLIENT_NOT_ELIZA');
  });
  it('a settings file or config VS Code cannot parse is CLIENT_CONFIG_INVALID', async () => {
    const dir = { [`${HOME}/.config/Code/User`]: '' };
    assert.equal(
      (await judge({ ...dir, [SETTINGS]: '{\n  "http.proxy": "x"\n  "a": 1\n}' })).code,
      'CLIENT_CONFIG_INVALID',
    );
    assert.equal(
      (await judge({ [`${HOME}/.continue`]: '', [CONTINUE]: 'models:\n  - name: "open\n' })).code,
      'CLIENT_CONFIG_INVALID',
    );
    assert.equal(
      (await judge({ [`${HOME}/.cline`]: '', [CLINE]: '{"providers": ' })).code,
      'CLIENT_CONFIG_INVALID',
    );
  });
});

describe('client-vscode: Continue, with the trust Continue has', () => {
  it('passes with caBundlePath naming the internal CA, or with NODE_EXTRA_CA_CERTS', async () => {
    const trusted = await judge(withCa({ [CONTINUE]: continueModel({ options: `caBundlePath: ${CA}` }) }));
    assert.equal(trusted.status, 'pass', trusted.summary);
    assert.match(trusted.data.trustedVia ?? '', /caBundlePath/);
    const viaEnv = await judge(withCa({ [CONTINUE]: continueModel() }), { NODE_EXTRA_CA_CERTS: CA });
    assert.equal(viaEnv.status, 'pass', viaEnv.summary);
  });
  it('the OS store does not help Continue: its explicit ca leaves VS Code injection out', async () => {
    const result = await judge({ [CONTINUE]: continueModel(), [OS_STORE]: pki().bundlePem });
    assert.equal(result.code, 'CLIENT_UNTRUSTED');
    assert.equal(result.fix?.automated, true);
    assert.deepEqual(result.data.continueFix?.models, [
      { index: 0, ca: true, apiBase: null, verifyOn: false },
    ]);
  });
  it('a caBundlePath that is missing is skipped as Continue skips it: untrusted', async () => {
    const result = await judge({ [CONTINUE]: continueModel({ options: `caBundlePath: ${HOME}/nope.pem` }) });
    assert.equal(result.code, 'CLIENT_UNTRUSTED');
  });
  it('names each wrong base URL, a missing or wrong key, and an unknown model', async () => {
    const cases: [Parameters<typeof continueModel>[0], string][] = [
      [{ apiBase: `http://127.0.0.1:${sim.port}/raw/openai/v1` }, 'CLIENT_BASE_URL_HTTP'],
      [{ apiBase: `${base}/openai/v1` }, 'CLIENT_BASE_URL_NOT_RAW'],
      [{ apiBase: base }, 'CLIENT_WRONG_ROUTE'],
      [{ apiKey: null }, 'CLIENT_KEY_MISSING'],
      [{ apiKey: 'y0_wrongwrongwrong' }, 'CLIENT_KEY_REJECTED'],
      [{ model: 'gpt-9-imaginary' }, 'CLIENT_MODEL_UNKNOWN'],
    ];
    for (const [over, code] of cases) {
      const result = await judge(
        withCa({ [CONTINUE]: continueModel({ ...over, options: `caBundlePath: ${CA}` }) }),
      );
      assert.equal(result.code, code, `${JSON.stringify(over)}: ${result.summary}`);
    }
    const http = await judge(
      withCa({
        [CONTINUE]: continueModel({ apiBase: `${base}/openai/v1`, options: `caBundlePath: ${CA}` }),
      }),
    );
    assert.equal(http.data.continueFix?.models[0]?.apiBase, `${base}/raw/openai/v1`);
  });
  it('a custom Authorization header is what Continue sends: OAuth passes', async () => {
    const result = await judge(
      withCa({
        [CONTINUE]: continueModel({
          apiKey: 'unused',
          options: `caBundlePath: ${CA}\nheaders:\n  Authorization: OAuth ${TOKEN}`,
        }),
      }),
    );
    assert.equal(result.status, 'pass', result.summary);
  });
  it('verifySsl: false works today, insecurely: a warning fix can cure', async () => {
    const result = await judge({ [CONTINUE]: continueModel({ options: 'verifySsl: false' }) });
    assert.equal(result.status, 'warn');
    assert.equal(result.code, 'INSECURE_CONTINUE_VERIFY_SSL');
    assert.equal(result.fix?.automated, true);
    assert.deepEqual(result.data.continueFix?.models, [
      { index: 0, ca: true, apiBase: null, verifyOn: true },
    ]);
  });
  it('http.proxyStrictSSL: false is an insecure setting, reported with its line', async () => {
    const result = await judge(
      withCa({
        [`${HOME}/.config/Code/User`]: '',
        [SETTINGS]: '{\n  // work proxy\n  "http.proxyStrictSSL": false,\n}',
        [CONTINUE]: continueModel({ options: `caBundlePath: ${CA}` }),
      }),
    );
    assert.equal(result.code, 'INSECURE_VSCODE_STRICT_SSL');
    assert.match(result.summary, /settings\.json:3/);
    const notAtEliza = await judge({
      [`${HOME}/.config/Code/User`]: '',
      [SETTINGS]: '{ "http.proxyStrictSSL": false }',
    });
    assert.equal(notAtEliza.code, 'INSECURE_VSCODE_STRICT_SSL');
  });
});

describe('client-vscode: Cline in the extension host', () => {
  const providers = (key: string | null) =>
    JSON.stringify({
      version: 1,
      lastUsedProvider: 'eliza',
      providers: {
        eliza: {
          settings: {
            provider: 'openai',
            baseUrl: `${base}/raw/openai/v1`,
            model: 'gpt-5',
            ...(key ? { apiKey: key } : {}),
          },
          updatedAt: '2026-01-01T00:00:00.000Z',
          tokenSource: 'manual',
        },
      },
    });
  it('trusts the OS store through VS Code, unless http.systemCertificates is false', async () => {
    const files = { [`${HOME}/.cline`]: '', [CLINE]: providers(TOKEN), [OS_STORE]: pki().bundlePem };
    const ok = await judge(files);
    assert.equal(ok.status, 'pass', ok.summary);
    const off = await judge({
      ...files,
      [`${HOME}/.config/Code/User`]: '',
      [SETTINGS]: '{ "http.systemCertificates": false }',
    });
    assert.equal(off.code, 'CLIENT_UNTRUSTED');
    assert.equal(off.fix?.automated, false);
    assert.ok(off.fix?.commands.some((c) => c.includes('--system')));
    const offWithEnv = await judge(
      withCa({
        ...files,
        [`${HOME}/.config/Code/User`]: '',
        [SETTINGS]: '{ "http.systemCertificates": false }',
      }),
      { NODE_EXTRA_CA_CERTS: CA },
    );
    assert.equal(offWithEnv.status, 'pass', offWithEnv.summary);
  });
  it('a key not in providers.json is in secret storage: not CLIENT_KEY_MISSING', async () => {
    const result = await judge({
      [`${HOME}/.cline`]: '',
      [CLINE]: providers(null),
      [OS_STORE]: pki().bundlePem,
    });
    assert.equal(result.status, 'pass', result.summary);
    assert.ok(result.details.some((d) => d.includes('secret storage')));
  });
  it('the worst client speaks for the family, each keeps its line', async () => {
    const result = await judge(
      withCa({
        [`${HOME}/.cline`]: '',
        [CLINE]: providers('y0_badbadbad'),
        [OS_STORE]: pki().bundlePem,
        [CONTINUE]: continueModel({ options: `caBundlePath: ${CA}` }),
      }),
    );
    assert.equal(result.code, 'CLIENT_KEY_REJECTED');
    assert.deepEqual(
      result.data.clients.map((c) => c.code),
      [null, 'CLIENT_KEY_REJECTED'],
    );
  });
});

describe('client-vscode: the fix for Continue', () => {
  it('adds caBundlePath and turns verification on, keeping the comments; nothing when nothing is wanted', async () => {
    const text = continueModel({ options: 'verifySsl: false' });
    const host = fakeHost({}, { [CONTINUE]: text });
    const data: Partial<VscodeFacts> = {
      continueFix: { file: CONTINUE, models: [{ index: 0, ca: true, apiBase: null, verifyOn: true }] },
    };
    const result = { data } as CheckResult;
    const plan = await continueFixer({ host, result, results: new Map(), config: {} as never, caPath: CA });
    assert.equal(plan.usesCaFile, true);
    const after = plan.edits[0]?.after ?? '';
    assert.match(after, /# via the gateway/);
    const parsed = parseContinueConfig(after, CONTINUE);
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.models[0]?.caBundlePaths.map((p) => p.value),
      [CA],
    );
    assert.equal(parsed.models[0]?.verifyOff, null);
    const none = await continueFixer({
      host,
      result: { data: { continueFix: null } } as CheckResult,
      results: new Map(),
      config: {} as never,
      caPath: CA,
    });
    assert.equal(none.edits.length, 0);
  });
  it('a file broken since the check is left alone, with CLIENT_CONFIG_INVALID said', async () => {
    const host = fakeHost({}, { [CONTINUE]: 'models:\n  - name: "open\n' });
    const data: Partial<VscodeFacts> = {
      continueFix: { file: CONTINUE, models: [{ index: 0, ca: true, apiBase: null, verifyOn: false }] },
    };
    const plan = await continueFixer({
      host,
      result: { data } as CheckResult,
      results: new Map(),
      config: {} as never,
      caPath: CA,
    });
    assert.equal(plan.edits.length, 0);
    assert.ok(plan.manual.some((m) => m.includes('CLIENT_CONFIG_INVALID')));
  });
});
