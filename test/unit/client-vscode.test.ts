import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  ContinueConfigInvalid,
  continueEndpoint,
  continueSnippet,
  editContinueConfig,
  parseContinueConfig,
} from '../../src/clients/continue.ts';
import {
  clineProvidersFile,
  parseClineProviders,
  parseVscodeSettings,
  vscodeUserDirs,
} from '../../src/clients/vscode.ts';
import { fakeHost } from '../helpers/fakes.ts';

const FILE = '/home/user/.continue/config.yaml';

const CONTINUE = `# my models
name: Local Assistant
version: 1.0.0
schema: v1
requestOptions:
  headers:
    X-Team: ml
models:
  - name: Eliza GPT # the gateway
    provider: openai
    model: gpt-5-mini
    apiBase: https://api.eliza.yandex.net/raw/openai/v1
    apiKey: "y0_secret"
    requestOptions:
      verifySsl: false
      caBundlePath:
        - /etc/one.pem
        - /etc/two.pem
      headers:
        X-Model: a
  - uses: anthropic/claude-sonnet
  - name: Local
    provider: ollama
    model: llama3
`;

describe('Continue config.yaml', () => {
  it('reads each model with the file:line of every value, request options merged as Continue merges them', () => {
    const parsed = parseContinueConfig(CONTINUE, FILE);
    assert.ok(parsed.ok);
    assert.equal(parsed.models.length, 2);
    const [eliza, local] = parsed.models;
    assert.equal(eliza?.index, 0);
    assert.equal(eliza?.provider, 'openai');
    assert.deepEqual(eliza?.apiBase, {
      value: 'https://api.eliza.yandex.net/raw/openai/v1',
      source: `${FILE}:12`,
    });
    assert.deepEqual(eliza?.model, { value: 'gpt-5-mini', source: `${FILE}:11` });
    assert.equal(eliza?.apiKey?.value, 'y0_secret');
    assert.deepEqual(
      eliza?.caBundlePaths.map((p) => p.source),
      [`${FILE}:17`, `${FILE}:18`],
    );
    assert.deepEqual(eliza?.verifyOff, { value: 'false', source: `${FILE}:15` });
    assert.deepEqual(eliza?.headers, { 'X-Team': 'ml', 'X-Model': 'a' });
    assert.equal(local?.index, 2);
    assert.equal(local?.apiBase, null);
    assert.deepEqual(local?.headers, { 'X-Team': 'ml' });
  });

  it('takes the top-level caBundlePath and verifySsl when a model has none', () => {
    const parsed = parseContinueConfig(
      'requestOptions:\n  caBundlePath: /ca.pem\n  verifySsl: false\nmodels:\n  - name: a\n    provider: openai\n',
      FILE,
    );
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.models[0]?.caBundlePaths, [{ value: '/ca.pem', source: `${FILE}:2` }]);
    assert.equal(parsed.models[0]?.verifyOff?.source, `${FILE}:3`);
  });

  it('a model verifySsl: true wins over the top level false', () => {
    const parsed = parseContinueConfig(
      'requestOptions:\n  verifySsl: false\nmodels:\n  - name: a\n    requestOptions:\n      verifySsl: true\n',
      FILE,
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.models[0]?.verifyOff, null);
  });

  it('names the line of a YAML error', () => {
    const parsed = parseContinueConfig('models:\n  - name: a\n    apiBase: [unclosed\n', FILE);
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok && parsed.line >= 3);
    assert.equal(parseContinueConfig('- a\n- b\n', FILE).ok, false);
  });

  it('appends the route as Continue does, with or without a trailing slash', () => {
    assert.equal(
      continueEndpoint('https://h/raw/openai/v1', 'chat/completions'),
      'https://h/raw/openai/v1/chat/completions',
    );
    assert.equal(
      continueEndpoint('https://h/raw/openai/v1/', 'chat/completions'),
      'https://h/raw/openai/v1/chat/completions',
    );
    assert.equal(continueEndpoint('https://h', 'chat/completions'), 'https://h/chat/completions');
  });
});

describe('Continue config edit', () => {
  it('adds the CA to a list, fixes apiBase, switches verification on, and keeps the comments', () => {
    const edited = editContinueConfig(CONTINUE, [
      { index: 0, caPath: '/home/user/.eliza/ca.pem', apiBase: 'https://x/raw/openai/v1', verifyOn: true },
    ]);
    assert.match(edited, /^# my models$/m);
    assert.match(edited, /# the gateway/);
    const after = parseContinueConfig(edited, FILE);
    assert.ok(after.ok);
    assert.deepEqual(
      after.models[0]?.caBundlePaths.map((p) => p.value),
      ['/etc/one.pem', '/etc/two.pem', '/home/user/.eliza/ca.pem'],
    );
    assert.equal(after.models[0]?.apiBase?.value, 'https://x/raw/openai/v1');
    assert.equal(after.models[0]?.verifyOff, null);
    assert.equal(after.models[0]?.apiKey?.value, 'y0_secret');
    // Nothing else moved: the other entries are as they were.
    assert.deepEqual(parse(edited).models.slice(1), parse(CONTINUE).models.slice(1));
  });

  it('turns a single other path into a list, sets a missing one, and leaves ours alone', () => {
    const one = 'models:\n  - name: a\n    requestOptions:\n      caBundlePath: /old.pem\n';
    const both = parseContinueConfig(editContinueConfig(one, [{ index: 0, caPath: '/new.pem' }]), FILE);
    assert.ok(both.ok);
    assert.deepEqual(
      both.models[0]?.caBundlePaths.map((p) => p.value),
      ['/old.pem', '/new.pem'],
    );
    const none = 'models:\n  - name: a\n    provider: openai\n';
    const set = parseContinueConfig(editContinueConfig(none, [{ index: 0, caPath: '/new.pem' }]), FILE);
    assert.ok(set.ok);
    assert.deepEqual(
      set.models[0]?.caBundlePaths.map((p) => p.value),
      ['/new.pem'],
    );
    const ours = 'models:\n  - name: a\n    requestOptions:\n      caBundlePath: /new.pem\n';
    assert.equal(editContinueConfig(ours, [{ index: 0, caPath: '/new.pem' }]), ours);
  });

  it('keeps a sequence written without indentation as it was', () => {
    const flat = 'models:\n- name: a\n  provider: openai\n- name: b\n';
    const edited = editContinueConfig(flat, [{ index: 1, apiBase: 'https://x/raw/openai/v1' }]);
    assert.equal(
      edited,
      'models:\n- name: a\n  provider: openai\n- name: b\n  apiBase: https://x/raw/openai/v1\n',
    );
  });

  it('refuses a file that is not YAML, naming the line', () => {
    assert.throws(
      () => editContinueConfig('models:\n  - name: "a\n', [{ index: 0, caPath: '/x' }]),
      (e: unknown) => e instanceof ContinueConfigInvalid && e.line >= 2,
    );
  });

  it('the snippet is YAML Continue reads, with odd paths quoted', () => {
    const snippet = continueSnippet({
      apiBase: 'https://h/raw/openai/v1',
      caPath: '/tmp/a: b #c.pem',
      model: 'gpt-5',
    });
    const parsed = parseContinueConfig(snippet, FILE);
    assert.ok(parsed.ok);
    assert.equal(parsed.models[0]?.caBundlePaths[0]?.value, '/tmp/a: b #c.pem');
    assert.equal(parsed.models[0]?.apiBase?.value, 'https://h/raw/openai/v1');
  });
});

describe('VS Code settings.json', () => {
  const SETTINGS = `{
  // proxy at work
  "http.proxy": "http://proxy:3128",
  "http.proxyStrictSSL": false,
  "http.systemCertificates": false,
  "claudeCode.environmentVariables": [
    { "name": "NODE_EXTRA_CA_CERTS", "value": "/ca.pem" },
  ],
}`;
  it('reads the values that decide trust, with comments and trailing commas, each with its line', () => {
    const parsed = parseVscodeSettings(SETTINGS, '/s.json');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.proxy, { value: 'http://proxy:3128', source: '/s.json:3' });
    assert.deepEqual(parsed.value.strictSslOff, { value: 'false', source: '/s.json:4' });
    assert.deepEqual(parsed.value.systemCertificates, { value: false, source: '/s.json:5' });
    assert.deepEqual(parsed.value.claudeEnv, [
      { name: 'NODE_EXTRA_CA_CERTS', value: '/ca.pem', source: '/s.json:7' },
    ]);
  });

  it('an empty file and defaults read as nothing set', () => {
    const parsed = parseVscodeSettings('', '/s.json');
    assert.ok(parsed.ok);
    assert.equal(parsed.value.strictSslOff, null);
    assert.equal(parsed.value.systemCertificates, null);
    const strictOn = parseVscodeSettings('{"http.proxyStrictSSL": true}', '/s.json');
    assert.ok(strictOn.ok && strictOn.value.strictSslOff === null);
  });

  it('names the line of a syntax error', () => {
    const parsed = parseVscodeSettings('{\n  "a": 1\n  "b": 2\n}', '/s.json');
    assert.deepEqual(parsed.ok ? null : parsed.line, 3);
    assert.equal(parseVscodeSettings('[1]', '/s.json').ok, false);
  });

  it('finds each edition per OS', () => {
    assert.deepEqual(vscodeUserDirs(fakeHost()), [
      '/home/user/.config/Code/User',
      '/home/user/.config/Code - Insiders/User',
      '/home/user/.config/VSCodium/User',
    ]);
    assert.equal(
      vscodeUserDirs({ ...fakeHost(), platform: 'darwin' })[0],
      '/home/user/Library/Application Support/Code/User',
    );
    assert.equal(vscodeUserDirs(fakeHost({ XDG_CONFIG_HOME: '/x' }))[0], '/x/Code/User');
  });
});

describe('Cline providers.json', () => {
  const PROVIDERS = JSON.stringify(
    {
      version: 1,
      lastUsedProvider: 'openai',
      modes: {},
      providers: {
        openai: {
          settings: {
            provider: 'openai',
            baseUrl: 'https://api.eliza.yandex.net/raw/openai/v1',
            model: 'gpt-5',
            apiKey: 'k1',
            headers: { 'X-A': 'b' },
          },
          updatedAt: '2026-01-01T00:00:00.000Z',
          tokenSource: 'manual',
        },
        cline: {
          settings: { provider: 'cline', auth: { accessToken: 't' } },
          updatedAt: '2026-01-01T00:00:00.000Z',
          tokenSource: 'oauth',
        },
      },
    },
    null,
    2,
  );
  it('reads each provider, which one is in use, and the key as Cline keeps it', () => {
    const parsed = parseClineProviders(PROVIDERS, '/p.json');
    assert.ok(parsed.ok);
    const [openai, cline] = parsed.value;
    assert.equal(openai?.current, true);
    assert.equal(openai?.baseUrl?.value, 'https://api.eliza.yandex.net/raw/openai/v1');
    assert.match(openai?.baseUrl?.source ?? '', /^\/p\.json:\d+$/);
    assert.equal(openai?.key?.value, 'k1');
    assert.deepEqual(openai?.headers, { 'X-A': 'b' });
    assert.equal(cline?.current, false);
    assert.equal(cline?.key?.value, 't');
  });

  it('refuses comments, as JSON.parse does', () => {
    assert.equal(parseClineProviders('{ // no\n}', '/p.json').ok, false);
  });

  it('lives where CLINE_DATA_DIR / CLINE_DIR say', () => {
    assert.equal(clineProvidersFile(fakeHost()), '/home/user/.cline/data/settings/providers.json');
    assert.equal(clineProvidersFile(fakeHost({ CLINE_DIR: '/c' })), '/c/data/settings/providers.json');
    assert.equal(clineProvidersFile(fakeHost({ CLINE_DATA_DIR: '/d' })), '/d/settings/providers.json');
  });
});
