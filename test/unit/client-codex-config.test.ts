import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authJsonKey,
  codexHome,
  codexRequestUrl,
  codexSnippet,
  editCodexConfig,
  parseCodexConfig,
} from '../../src/clients/codex.ts';

const FILE = '~/.codex/config.toml';
const ELIZA = 'https://api.eliza.yandex.net/raw/openai/v1';

function ok(text: string, env: Record<string, string> = {}) {
  const parsed = parseCodexConfig(text, FILE, env);
  assert.equal(parsed.kind, 'ok', JSON.stringify(parsed));
  return (parsed as Extract<typeof parsed, { kind: 'ok' }>).setup;
}

function invalid(text: string) {
  const parsed = parseCodexConfig(text, FILE, {});
  assert.equal(parsed.kind, 'invalid');
  return parsed as Extract<typeof parsed, { kind: 'invalid' }>;
}

describe('codex config: where it lives', () => {
  it('CODEX_HOME wins over ~/.codex; an empty one does not count', () => {
    assert.equal(codexHome({ CODEX_HOME: '/x/c' }, '/h').configFile, '/x/c/config.toml');
    assert.equal(codexHome({ CODEX_HOME: '' }, '/h').configFile, '/h/.codex/config.toml');
    assert.equal(codexHome({}, '/h').authFile, '/h/.codex/auth.json');
  });
});

describe('codex config: what Codex will use, with file:line', () => {
  it('a custom provider: base_url, env_key, wire_api, model, headers and query', () => {
    const setup = ok(
      [
        '# mine',
        'model = "gpt-5-mini"',
        'model_provider = "eliza"',
        '',
        '[model_providers.eliza]',
        'name = "Eliza"',
        `base_url = "${ELIZA}"`,
        'env_key = "ELIZA_TOKEN"',
        'wire_api = "responses"',
        'http_headers = { "X-Team" = "infra" }',
        'env_http_headers = { "X-Other" = "OTHER_VAR" }',
        'query_params = { a = "1" }',
      ].join('\n'),
    );
    assert.deepEqual(setup.provider, { value: 'eliza', source: `${FILE}:3` });
    assert.deepEqual(setup.baseUrl, { value: ELIZA, source: `${FILE}:7` });
    assert.deepEqual(setup.envKey, { value: 'ELIZA_TOKEN', source: `${FILE}:8` });
    assert.deepEqual(setup.wireApi, { value: 'responses', source: `${FILE}:9` });
    assert.deepEqual(setup.model, { value: 'gpt-5-mini', source: `${FILE}:2` });
    assert.deepEqual(setup.httpHeaders, { 'X-Team': 'infra' });
    assert.deepEqual(setup.envHttpHeaders, { 'X-Other': 'OTHER_VAR' });
    assert.equal(codexRequestUrl(setup), `${ELIZA}/responses?a=1`);
    assert.equal(setup.builtIn, false);
  });

  it('a provider given inline and with dotted keys reads the same, lines included', () => {
    const inline = ok(
      `model_provider = "e"\nmodel_providers = { e = { name = "E", base_url = "${ELIZA}", env_key = "K" } }\n`,
    );
    assert.deepEqual(inline.baseUrl, { value: ELIZA, source: `${FILE}:2` });
    assert.deepEqual(inline.wireApi, { value: 'responses', source: "Codex's default" });
    const dotted = ok(`model_provider = "e"\n[model_providers]\ne.name = "E"\ne.base_url = "${ELIZA}"\n`);
    assert.deepEqual(dotted.baseUrl, { value: ELIZA, source: `${FILE}:4` });
    assert.equal(dotted.envKey, null);
  });

  it('no model_provider: the built-in openai provider, its URL from openai_base_url, its key from CODEX_API_KEY', () => {
    const plain = ok('model = "gpt-5"\n');
    assert.equal(plain.provider.value, 'openai');
    assert.equal(plain.builtIn, true);
    assert.equal(plain.baseUrl.value, 'https://api.openai.com/v1');
    assert.equal(plain.envKey, null);
    const pointed = ok(`openai_base_url = "${ELIZA}"\n`, { CODEX_API_KEY: 'k' });
    assert.deepEqual(pointed.baseUrl, { value: ELIZA, source: `${FILE}:1` });
    assert.equal(pointed.envKey?.value, 'CODEX_API_KEY');
  });

  it('what Codex refuses to start with is invalid, with the line', () => {
    assert.equal(invalid('model = "gpt-5\n').source, `${FILE}:1`);
    assert.equal(invalid('a = 1\n\na = 2\n').source, `${FILE}:3`);
    assert.equal(invalid('[t]\nx = 1\n[t]\ny = 2\n').source, `${FILE}:3`);
    assert.equal(invalid('profile = "work"\n').source, `${FILE}:1`);
    assert.equal(invalid('model_provider = "nope"\n').source, `${FILE}:1`);
    assert.equal(
      invalid(`model_provider = "e"\n[model_providers.e]\nbase_url = "${ELIZA}"\n`).source,
      `${FILE}:2`,
    );
    assert.equal(invalid('model_provider = 3\n').source, `${FILE}:1`);
  });

  it('auth.json: the key codex login saved, or none', () => {
    assert.equal(authJsonKey('{"auth_mode":"apikey","OPENAI_API_KEY":"k1"}'), 'k1');
    assert.equal(authJsonKey('{"auth_mode":"chatgpt"}'), null);
    assert.equal(authJsonKey('not json'), null);
  });
});

describe('codex config: the edit that points it at Eliza', () => {
  const env = {};
  const want = { baseUrl: ELIZA, envKey: 'ELIZA_TOKEN', wireApi: 'responses' as const, model: 'gpt-5-mini' };

  it('creates the file when there is none', () => {
    const after = editCodexConfig(null, env, want)!;
    const setup = ok(after);
    assert.equal(setup.provider.value, 'eliza');
    assert.equal(setup.baseUrl.value, ELIZA);
    assert.equal(setup.envKey?.value, 'ELIZA_TOKEN');
    assert.equal(setup.model?.value, 'gpt-5-mini');
  });

  it('keeps every comment and other table, adds a section of its own', () => {
    const before = [
      '# my codex settings',
      'model = "gpt-4.1"  # the model I like',
      'approval_policy = "never"',
      '',
      '[model_providers.other]  # work',
      'name = "Other"',
      'base_url = "https://other.example/v1"',
      '',
      '[tui]',
      'theme = "dark" # keep me',
      '',
    ].join('\n');
    const after = editCodexConfig(before, env, want)!;
    for (const line of before.split('\n').filter((l) => l.includes('#') && !l.startsWith('model ='))) {
      assert.ok(after.includes(line), `kept: ${line}`);
    }
    assert.ok(after.includes('# the model I like'));
    assert.ok(after.includes('[model_providers.eliza]'));
    const setup = ok(after);
    assert.equal(setup.provider.value, 'eliza');
    assert.equal(setup.baseUrl.value, ELIZA);
    assert.equal(setup.model?.value, 'gpt-5-mini');
  });

  it('a custom provider in use is edited in place, only where wrong', () => {
    const before = [
      'model_provider = "corp"  # ours',
      '[model_providers.corp]',
      'name = "Corp"',
      'base_url = "http://api.eliza.yandex.net/openai/v1"  # old URL',
      'env_key = "ELIZA_TOKEN"',
      'wire_api = "chat"',
      '',
    ].join('\n');
    const after = editCodexConfig(before, env, { baseUrl: ELIZA, wireApi: 'responses' })!;
    assert.equal(
      after,
      [
        'model_provider = "corp"  # ours',
        '[model_providers.corp]',
        'name = "Corp"',
        `base_url = "${ELIZA}"  # old URL`,
        'env_key = "ELIZA_TOKEN"',
        'wire_api = "responses"',
        '',
      ].join('\n'),
    );
  });

  it('an inline model_providers is edited inline; CRLF stays CRLF', () => {
    const inline = editCodexConfig(
      'model_providers = { other = { name = "O", base_url = "https://o/v1" } }\n',
      env,
      want,
    )!;
    assert.equal(ok(inline).baseUrl.value, ELIZA);
    const crlf = editCodexConfig('model = "x"\r\n[tui]\r\ntheme = "dark"\r\n', env, want)!;
    assert.ok(!/[^\r]\n/.test(crlf), JSON.stringify(crlf));
    assert.equal(ok(crlf).baseUrl.value, ELIZA);
  });

  it('refuses text that is not TOML', () => {
    assert.equal(editCodexConfig('model = "x\n', env, want), null);
    assert.equal(editCodexConfig('a = 1\na = 2\n', env, want), null);
  });

  it('the snippet is the same config', () => {
    const text = codexSnippet({ baseUrl: ELIZA, envKey: 'ELIZA_TOKEN', model: 'gpt-5-mini' });
    const setup = ok(text);
    assert.equal(setup.provider.value, 'eliza');
    assert.equal(setup.baseUrl.value, ELIZA);
    assert.equal(setup.wireApi.value, 'responses');
  });
});
