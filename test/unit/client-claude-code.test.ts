import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { clientClaudeCodeCheck } from '../../checks/client-claude-code.ts';
import {
  type ClaudeCodeFacts,
  claudeCertStores,
  claudeCodeFixer,
  claudeCodeSetup,
  claudeCredentials,
  lineAt,
  parseClaudeSettings,
  readClaudeConfig,
  withEnvValues,
} from '../../src/clients/claude-code.ts';
import type { CheckResult } from '../../src/engine/types.ts';
import type { Host } from '../../src/host.ts';
import { createNet, type Net } from '../../src/net/index.ts';
import {
  type GatewayBehaviour,
  SIM_MODELS,
  type SimGateway,
  startSimGateway,
} from '../../src/sim/gateway.ts';
import { pki } from '../helpers/cli.ts';
import { fakeContext, fakeHost } from '../helpers/fakes.ts';

const HOME = '/home/user';
const PROJECT = '/home/user/proj';
const USER_SETTINGS = `${HOME}/.claude/settings.json`;
const PROJECT_SETTINGS = `${PROJECT}/.claude/settings.json`;
const LOCAL_SETTINGS = `${PROJECT}/.claude/settings.local.json`;
const OS_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const CA_FILE = '/home/user/ca.pem';
const TOKEN = 'claude-key-5f3a9c1e7b';

/** A machine with Claude Code's files: fake, so the tests never read this machine's ~/.claude or OS store. */
function claudeHost(
  env: Record<string, string>,
  files: Record<string, string>,
  options: { onPath?: boolean; claudeDir?: boolean } = {},
): Host {
  const host = fakeHost(env, files);
  return {
    ...host,
    cwd: PROJECT,
    findExecutable: async (name) => (name === 'claude' && options.onPath ? '/usr/local/bin/claude' : null),
    stat: async (path) => {
      if (path === `${HOME}/.claude` && (options.claudeDir ?? true)) {
        return { isFile: () => false, isDirectory: () => true } as Stats;
      }
      return host.stat(path);
    },
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('Claude Code settings, as the client resolves them', () => {
  it('layers environment < user < project < local, each value with its file:line', async () => {
    const host = claudeHost(
      { ANTHROPIC_BASE_URL: 'https://env.example', ANTHROPIC_AUTH_TOKEN: TOKEN },
      {
        [USER_SETTINGS]: json({
          env: { ANTHROPIC_BASE_URL: 'https://user.example', ANTHROPIC_MODEL: 'm-user' },
        }),
        [PROJECT_SETTINGS]: json({
          model: 'm-settings',
          env: { ANTHROPIC_BASE_URL: 'https://project.example' },
        }),
        [LOCAL_SETTINGS]: '{\n\n  "env": {\n    "ANTHROPIC_BASE_URL": "https://local.example"\n  }\n}\n',
      },
    );
    const config = await readClaudeConfig(host);
    assert.deepEqual(config.values.ANTHROPIC_BASE_URL, {
      value: 'https://local.example',
      source: '~/proj/.claude/settings.local.json:4',
    });
    assert.deepEqual(config.values.ANTHROPIC_AUTH_TOKEN, {
      value: TOKEN,
      source: 'environment ANTHROPIC_AUTH_TOKEN',
    });
    // ANTHROPIC_MODEL, from any layer, beats the settings' "model" key (measured).
    assert.deepEqual(config.model, { value: 'm-user', source: '~/.claude/settings.json:4' });
    assert.deepEqual(config.files, [
      '~/.claude/settings.json',
      '~/proj/.claude/settings.json',
      '~/proj/.claude/settings.local.json',
    ]);
    assert.equal(config.installed, '~/.claude/');
  });

  it('in the home folder, reads the user file once and its local file after it', async () => {
    const host = {
      ...claudeHost(
        {},
        {
          [USER_SETTINGS]: json({ env: { ANTHROPIC_BASE_URL: 'https://user.example' } }),
          [`${HOME}/.claude/settings.local.json`]: json({
            env: { ANTHROPIC_BASE_URL: 'https://local.example' },
          }),
        },
      ),
      cwd: HOME,
    };
    const config = await readClaudeConfig(host);
    assert.deepEqual(config.files, ['~/.claude/settings.json', '~/.claude/settings.local.json']);
    assert.equal(config.values.ANTHROPIC_BASE_URL?.value, 'https://local.example');
  });

  it('takes the settings "model" when no ANTHROPIC_MODEL is set, and CLAUDE_CONFIG_DIR moves the user file', async () => {
    const host = claudeHost(
      { CLAUDE_CONFIG_DIR: '/cfg' },
      { '/cfg/settings.json': json({ model: 'claude-x' }) },
      { claudeDir: false },
    );
    const config = await readClaudeConfig(host);
    assert.deepEqual(config.model, { value: 'claude-x', source: '/cfg/settings.json:2' });
    assert.equal(config.installed, null);
  });

  it('reads strict JSON only: comments, trailing commas and non-objects are invalid, with the line', () => {
    const comment = parseClaudeSettings('{\n  // mine\n  "env": {}\n}', 'f');
    assert.deepEqual(comment.kind === 'invalid' && comment.source, 'f:2');
    const trailing = parseClaudeSettings('{\n  "env": {"A": "b",},\n}', 'f');
    assert.equal(trailing.kind, 'invalid');
    assert.equal(parseClaudeSettings('[1]', 'f').kind, 'invalid');
    assert.equal(parseClaudeSettings('{"env": "x"}', 'f').kind, 'invalid');
    assert.deepEqual(parseClaudeSettings('  \n', 'f'), { kind: 'ok', env: {}, model: null });
    assert.equal(lineAt('a\nb\nc', 4), 3);
  });

  it('reports the first invalid file and still knows Claude Code is there', async () => {
    const host = claudeHost({}, { [USER_SETTINGS]: '{"env": {' });
    const config = await readClaudeConfig(host);
    assert.equal(config.invalid?.source, '~/.claude/settings.json:1');
  });

  it('sends AUTH_TOKEN as Bearer over a custom Authorization line, API_KEY as x-api-key besides', () => {
    const source = (value: string) => ({ value, source: 's' });
    const both = claudeCredentials({
      values: {
        ANTHROPIC_AUTH_TOKEN: source('t'),
        ANTHROPIC_API_KEY: source('k'),
        ANTHROPIC_CUSTOM_HEADERS: source('Authorization: OAuth o\nX-Team: blue\nnot a header'),
      },
    });
    assert.deepEqual(
      both.credentials.map((c) => [c.header, c.value]),
      [
        ['bearer', 't'],
        ['x-api-key', 'k'],
      ],
    );
    assert.deepEqual(both.headers, { 'x-team': 'blue' });
    const oauth = claudeCredentials({
      values: { ANTHROPIC_CUSTOM_HEADERS: source('Authorization: OAuth o') },
    });
    assert.deepEqual(
      oauth.credentials.map((c) => [c.header, c.name, c.value]),
      [['header', 'Authorization', 'OAuth o']],
    );
  });

  it('trusts bundled and system stores unless CLAUDE_CODE_CERT_STORE names fewer', () => {
    assert.deepEqual(claudeCertStores(undefined), { bundled: true, system: true });
    assert.deepEqual(claudeCertStores('bundled'), { bundled: true, system: false });
    assert.deepEqual(claudeCertStores(' system , bundled'), { bundled: true, system: true });
  });
});

describe('the settings env block, edited in place', () => {
  it('keeps every other byte: keys, order, indentation, line endings', () => {
    const text = '{\r\n\t"model": "x",\r\n\t"env": {\r\n\t\t"KEEP": "1"\r\n\t}\r\n}\r\n';
    const edited = withEnvValues(text, { ANTHROPIC_BASE_URL: 'https://g/raw/anthropic' });
    assert.equal(edited.kind, 'ok');
    const out = edited.kind === 'ok' ? edited.text : '';
    assert.ok(out.startsWith('{\r\n\t"model": "x",\r\n\t"env": {\r\n\t\t"KEEP": "1",\r\n'), out);
    assert.deepEqual(JSON.parse(out), {
      model: 'x',
      env: { KEEP: '1', ANTHROPIC_BASE_URL: 'https://g/raw/anthropic' },
    });
    const replaced = withEnvValues(out, { ANTHROPIC_BASE_URL: 'https://h/raw/anthropic' });
    assert.equal(replaced.kind === 'ok' && replaced.text, out.replace('https://g/', 'https://h/'));
  });
  it('creates the file when absent, adds an env block to one without, refuses one it cannot parse', () => {
    const created = withEnvValues(null, { A: 'b' });
    assert.deepEqual(created.kind === 'ok' && JSON.parse(created.text), { env: { A: 'b' } });
    const added = withEnvValues('{\n    "model": "m"\n}\n', { A: 'b' });
    assert.deepEqual(added.kind === 'ok' && JSON.parse(added.text), { model: 'm', env: { A: 'b' } });
    assert.match(added.kind === 'ok' ? added.text : '', /\n {4}"env"/);
    assert.equal(withEnvValues('{"env": ', { A: 'b' }).kind, 'invalid');
    assert.equal(withEnvValues('{/* c */}', { A: 'b' }).kind, 'invalid');
    assert.equal(withEnvValues('{"env": []}', { A: 'b' }).kind, 'invalid');
  });
});

describe('client-claude-code against the loopback gateway', () => {
  let sim: SimGateway;
  let picky: SimGateway;
  let net: Net;
  const rootPem = () => pki().root.pem;
  const rootSha = () => pki().root.cert.fingerprint256;
  before(async () => {
    sim = await startSimGateway({ pki: pki(), token: TOKEN });
    // The credential knob: this gateway takes Bearer and OAuth, not x-api-key.
    const accept: GatewayBehaviour['accept'] = { oauth: true, bearer: true, xApiKey: false };
    picky = await startSimGateway({ pki: pki(), token: TOKEN, behaviour: { accept } });
    net = createNet({ timeoutMs: 5000, resolve: [], env: {} });
  });
  after(async () => {
    await net.close();
    await sim.close();
    await picky.close();
  });

  /** Runs the check with these variables and files; the OS store holds only public roots unless given. */
  async function run(
    env: Record<string, string>,
    files: Record<string, string> = {},
    options: { onPath?: boolean; claudeDir?: boolean; gateway?: SimGateway; noTls?: boolean } = {},
  ) {
    const gateway = options.gateway ?? sim;
    const base = `https://127.0.0.1:${gateway.port}`;
    const secrets: string[] = [];
    const ctx = fakeContext({
      raw: { baseUrl: base },
      dependencies: {
        tcp: { data: { working: [{ address: '127.0.0.1' }] } },
        models: { data: { ids: SIM_MODELS } },
        tls: options.noTls
          ? { status: 'fail' }
          : { data: { path: [{ sha256: rootSha(), selfSigned: true }] } as never },
      },
    });
    const host = claudeHost(env, { [OS_BUNDLE]: '', ...files }, options);
    const outcome = await clientClaudeCodeCheck.run({
      ...ctx,
      host,
      net,
      registerSecret: (v) => void secrets.push(String(v)),
    });
    return { outcome, data: outcome.data as ClaudeCodeFacts, secrets, base };
  }
  const eliza = (gateway: SimGateway = sim) => `https://127.0.0.1:${gateway.port}/raw/anthropic`;
  const pointed = (extra: Record<string, string> = {}) => ({
    ANTHROPIC_BASE_URL: eliza(),
    ANTHROPIC_AUTH_TOKEN: TOKEN,
    ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    ...extra,
  });

  it('is not found without a binary, a folder or a variable', async () => {
    const { outcome } = await run({}, {}, { claudeDir: false });
    assert.equal(outcome.code, 'CLIENT_NOT_FOUND');
  });

  it('is installed but pointed elsewhere: the onboarding snippet', async () => {
    for (const env of [{}, { ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }]) {
      const { outcome } = await run(env, {}, { onPath: true, claudeDir: false });
      assert.equal(outcome.code, 'CLIENT_NOT_ELIZA');
      assert.match(outcome.fix?.commands[0] ?? '', /setup claude-code/);
    }
  });

  it('trusts the gateway via NODE_EXTRA_CA_CERTS in the environment', async () => {
    const { outcome, data, secrets } = await run(pointed({ NODE_EXTRA_CA_CERTS: CA_FILE }), {
      [CA_FILE]: rootPem(),
    });
    assert.equal(outcome.status, 'pass', outcome.summary);
    assert.equal(data.trustedVia, 'NODE_EXTRA_CA_CERTS (environment NODE_EXTRA_CA_CERTS)');
    assert.equal(data.wrong.ca, false);
    assert.ok(secrets.includes(TOKEN));
  });

  it('trusts the gateway via the settings env block, named by file:line', async () => {
    const settings = json({ env: { NODE_EXTRA_CA_CERTS: CA_FILE } });
    const { outcome, data } = await run(pointed(), { [USER_SETTINGS]: settings, [CA_FILE]: rootPem() });
    assert.equal(outcome.status, 'pass', outcome.summary);
    assert.equal(data.trustedVia, 'NODE_EXTRA_CA_CERTS (~/.claude/settings.json:3)');
  });

  it('trusts the gateway via the OS store only, and not when CLAUDE_CODE_CERT_STORE=bundled', async () => {
    const os = { [OS_BUNDLE]: rootPem() };
    const viaOs = await run(pointed(), os);
    assert.equal(viaOs.outcome.status, 'pass', viaOs.outcome.summary);
    assert.equal(viaOs.data.trustedVia, `the OS store (${OS_BUNDLE})`);
    const bundled = await run(pointed({ CLAUDE_CODE_CERT_STORE: 'bundled' }), os);
    assert.equal(bundled.outcome.code, 'CLIENT_UNTRUSTED');
    // SSL_CERT_FILE stands for the OS store (measured with the real client).
    const moved = await run(pointed({ SSL_CERT_FILE: CA_FILE }), { [CA_FILE]: rootPem() });
    assert.equal(moved.outcome.status, 'pass', moved.outcome.summary);
  });

  it('is untrusted with the CA nowhere, or only in a file it cannot read; fix may add the CA', async () => {
    const none = await run(pointed());
    assert.equal(none.outcome.code, 'CLIENT_UNTRUSTED');
    assert.equal(none.outcome.fix?.automated, true);
    assert.equal(none.data.wrong.ca, true);
    const missing = await run(pointed({ NODE_EXTRA_CA_CERTS: '/nope.pem' }));
    assert.equal(missing.outcome.code, 'CLIENT_UNTRUSTED');
    // The real client skips an unreadable file and trusts the rest: the OS store still works.
    const skipped = await run(pointed({ NODE_EXTRA_CA_CERTS: '/nope.pem' }), { [OS_BUNDLE]: rootPem() });
    assert.equal(skipped.outcome.status, 'pass', skipped.outcome.summary);
  });

  it('fails http://, the wrapped route and a base URL with no path, each fixable in the user file', async () => {
    const port = sim.port;
    for (const [url, code] of [
      [`http://127.0.0.1:${port}/raw/anthropic`, 'CLIENT_BASE_URL_HTTP'],
      [`https://127.0.0.1:${port}/anthropic`, 'CLIENT_BASE_URL_NOT_RAW'],
      [`https://127.0.0.1:${port}`, 'CLIENT_WRONG_ROUTE'],
    ] as const) {
      const { outcome, data } = await run(pointed({ ANTHROPIC_BASE_URL: url }), { [OS_BUNDLE]: rootPem() });
      assert.equal(outcome.code, code, url);
      assert.equal(outcome.fix?.automated, true);
      assert.equal(data.wrong.baseUrl, true);
    }
  });

  it('leaves a base URL a project file sets to the user: fix cannot outvote it', async () => {
    const project = json({ env: { ANTHROPIC_BASE_URL: `https://127.0.0.1:${sim.port}/anthropic` } });
    const { outcome, data } = await run(pointed(), { [PROJECT_SETTINGS]: project, [OS_BUNDLE]: rootPem() });
    assert.equal(outcome.code, 'CLIENT_BASE_URL_NOT_RAW');
    assert.equal(outcome.fix?.automated, false);
    assert.equal(data.overriding.ANTHROPIC_BASE_URL, '~/proj/.claude/settings.json:3');
  });

  it('names a wrong key, and a key in the variable whose header Eliza does not take', async () => {
    const os = { [OS_BUNDLE]: rootPem() };
    const wrong = await run(pointed({ ANTHROPIC_AUTH_TOKEN: 'not-the-token-123' }), os);
    assert.equal(wrong.outcome.code, 'CLIENT_KEY_REJECTED');
    const asApiKey = {
      ANTHROPIC_BASE_URL: eliza(picky),
      ANTHROPIC_API_KEY: TOKEN,
      ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    };
    const inWrongVariable = await run(asApiKey, os, { gateway: picky });
    assert.equal(inWrongVariable.outcome.code, 'CLIENT_KEY_REJECTED');
    const none = await run({ ANTHROPIC_BASE_URL: eliza() }, os);
    assert.equal(none.outcome.code, 'CLIENT_KEY_MISSING');
  });

  it('warns when both keys go out, passes an OAuth header given as a custom header', async () => {
    const os = { [OS_BUNDLE]: rootPem() };
    const both = await run(pointed({ ANTHROPIC_API_KEY: TOKEN }), os);
    assert.equal(both.outcome.code, 'CLIENT_KEYS_CONFLICT');
    const oauth = await run(
      {
        ANTHROPIC_BASE_URL: eliza(),
        ANTHROPIC_CUSTOM_HEADERS: `Authorization: OAuth ${TOKEN}`,
        ANTHROPIC_MODEL: 'claude-sonnet-4-5',
      },
      os,
    );
    assert.equal(oauth.outcome.status, 'pass', oauth.outcome.summary);
    assert.ok(oauth.secrets.includes(`OAuth ${TOKEN}`) && oauth.secrets.includes(TOKEN));
  });

  it("fails a model Eliza does not offer, Claude Code's own default included", async () => {
    const os = { [OS_BUNDLE]: rootPem() };
    const named = await run(pointed({ ANTHROPIC_MODEL: 'claude-opus-9' }), os);
    assert.equal(named.outcome.code, 'CLIENT_MODEL_UNKNOWN');
    const { ANTHROPIC_MODEL: _, ...unnamed } = pointed();
    const byDefault = await run(unnamed, os);
    assert.equal(byDefault.outcome.code, 'CLIENT_MODEL_UNKNOWN');
  });

  it('judges the rest when a settings file does not parse, as Claude Code skips it', async () => {
    const invalid = { [USER_SETTINGS]: '{\n  "env": {},\n}\n', [OS_BUNDLE]: rootPem() };
    const works = await run(pointed(), invalid);
    assert.equal(works.outcome.code, 'CLIENT_CONFIG_IGNORED');
    assert.equal(works.outcome.status, 'warn');
    const notPointed = await run({ ANTHROPIC_AUTH_TOKEN: TOKEN }, invalid);
    assert.equal(notPointed.outcome.code, 'CLIENT_CONFIG_INVALID');
    const alsoBroken = await run(pointed({ ANTHROPIC_MODEL: 'claude-opus-9' }), invalid);
    assert.equal(alsoBroken.outcome.code, 'CLIENT_MODEL_UNKNOWN');
  });

  it('never shows a key in its result', async () => {
    for (const env of [pointed(), pointed({ ANTHROPIC_AUTH_TOKEN: 'not-the-token-123' })]) {
      const { outcome } = await run(env);
      const text = JSON.stringify(outcome);
      assert.ok(!text.includes(env.ANTHROPIC_AUTH_TOKEN), text);
    }
  });
});

describe('fix for Claude Code', () => {
  const config = fakeContext({ raw: { baseUrl: 'https://gw.test:8443' } }).config;
  const result = (data: Partial<ClaudeCodeFacts>) =>
    ({
      id: 'client-claude-code',
      status: 'fail',
      data: { overriding: {}, ...data },
    }) as unknown as CheckResult;
  const fixer = (files: Record<string, string>, data: Partial<ClaudeCodeFacts>) =>
    claudeCodeFixer({
      host: claudeHost({}, files),
      result: result(data),
      results: new Map(),
      config,
      caPath: '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem',
    });

  it('writes only what is wrong into the user settings, never a key', async () => {
    const before = '{\n  "model": "m",\n  "env": {\n    "ANTHROPIC_AUTH_TOKEN": "kept-as-is"\n  }\n}\n';
    const both = await fixer({ [USER_SETTINGS]: before }, { wrong: { baseUrl: true, ca: true } });
    assert.equal(both.edits.length, 1);
    assert.equal(both.edits[0]!.file, USER_SETTINGS);
    assert.deepEqual(JSON.parse(both.edits[0]!.after), {
      model: 'm',
      env: {
        ANTHROPIC_AUTH_TOKEN: 'kept-as-is',
        ANTHROPIC_BASE_URL: 'https://gw.test:8443/raw/anthropic',
        NODE_EXTRA_CA_CERTS: '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem',
      },
    });
    assert.equal(both.usesCaFile, true);
    const caOnly = await fixer({}, { wrong: { baseUrl: false, ca: true } });
    assert.deepEqual(Object.keys(JSON.parse(caOnly.edits[0]!.after).env), ['NODE_EXTRA_CA_CERTS']);
    const nothing = await fixer({}, { wrong: { baseUrl: false, ca: false } });
    assert.equal(nothing.edits.length, 0);
  });

  it('refuses a file it cannot parse, and leaves a stronger file to the user', async () => {
    const invalid = await fixer({ [USER_SETTINGS]: '{ "env": ' }, { wrong: { baseUrl: true, ca: null } });
    assert.equal(invalid.edits.length, 0);
    assert.equal(invalid.manual.length, 1);
    const overridden = await fixer(
      {},
      {
        wrong: { baseUrl: true, ca: null },
        overriding: { ANTHROPIC_BASE_URL: '~/proj/.claude/settings.local.json:3' },
      },
    );
    assert.equal(overridden.edits.length, 0);
    assert.equal(overridden.manual.length, 1);
  });

  it('setup prints the env block fix writes, without a key', () => {
    const text = claudeCodeSetup.text({ baseUrl: () => 'https://gw.test/raw/anthropic', caPath: '/ca.pem' });
    const block = JSON.parse(text.slice(0, text.indexOf('\n#')));
    assert.deepEqual(block, {
      env: { ANTHROPIC_BASE_URL: 'https://gw.test/raw/anthropic', NODE_EXTRA_CA_CERTS: '/ca.pem' },
    });
  });
});
