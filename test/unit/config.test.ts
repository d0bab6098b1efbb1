import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  buildConfig,
  ConfigError,
  cleanToken,
  DEFAULT_CA_URLS,
  parseFingerprint,
  parseResolve,
  parseTimeout,
  YANDEX_INTERNAL_ROOT_SHA256,
} from '../../src/config.ts';
import { tempDir } from '../helpers/cli.ts';

describe('buildConfig', () => {
  it('defaults to the real gateway, the pinned Yandex root and both CA URLs', () => {
    const c = buildConfig({}, {});
    assert.equal(c.target.baseUrl, 'https://api.eliza.yandex.net');
    assert.equal(c.target.port, 443);
    assert.equal(c.model, 'gpt-5-mini');
    assert.equal(c.timeoutMs, 5000);
    assert.deepEqual(c.caSha256, [YANDEX_INTERNAL_ROOT_SHA256]);
    assert.deepEqual(c.caUrls, DEFAULT_CA_URLS);
    assert.equal(c.token, null);
  });

  it('reads the token variables in the documented order, first non-empty wins', () => {
    const c = buildConfig(
      {},
      { ELIZA_TOKEN: '', SOY_TOKEN: 'y0_soy_token_value', ELIZA_OAUTH_TOKEN: 'other-token-x' },
    );
    assert.equal(c.tokenSource, 'SOY_TOKEN');
    assert.equal(c.token?.reveal(), 'y0_soy_token_value');
    assert.deepEqual(
      c.tokenCandidates.map((t) => t.source),
      ['SOY_TOKEN', 'ELIZA_OAUTH_TOKEN'],
    );
  });

  it('--token beats the environment and is cleaned of quotes, prefixes and white space', () => {
    const c = buildConfig({ token: ' "OAuth y0_abcdef123" \n' }, { ELIZA_TOKEN: 'env-token-123' });
    assert.equal(c.tokenSource, '--token');
    assert.equal(c.token?.reveal(), 'y0_abcdef123');
  });

  it('keeps the token out of every accidental string form', () => {
    const c = buildConfig({ token: 'y0_secret_value_1234' }, {});
    assert.ok(!JSON.stringify(c).includes('y0_secret_value_1234'));
    assert.ok(!`${c.token}`.includes('y0_secret_value_1234'));
  });

  it('turns an http:// base URL into its https:// target, keeping an explicit port', () => {
    assert.equal(
      buildConfig({ baseUrl: 'http://api.eliza.yandex.net' }, {}).target.baseUrl,
      'https://api.eliza.yandex.net',
    );
    assert.equal(buildConfig({ baseUrl: 'http://api.eliza.yandex.net:80/' }, {}).target.port, 443);
    assert.equal(buildConfig({ baseUrl: 'https://gw.example:8443' }, {}).target.port, 8443);
    assert.equal(buildConfig({}, { ELIZA_BASE_URL: 'https://x.example' }).baseUrlSource, 'ELIZA_BASE_URL');
  });

  it('reads pool from the flag, then ELIZA_POOL, then YA_POOL', () => {
    assert.equal(buildConfig({}, { YA_POOL: 'team-b' }).pool, 'team-b');
    assert.equal(buildConfig({}, { ELIZA_POOL: 'team-a', YA_POOL: 'team-b' }).pool, 'team-a');
    assert.equal(buildConfig({ pool: 'mine' }, { ELIZA_POOL: 'team-a' }).pool, 'mine');
  });

  const bad: [string, Parameters<typeof buildConfig>[0], Record<string, string>][] = [
    ['a base URL that is not a URL', { baseUrl: 'api.eliza' }, {}],
    ['a base URL of another scheme', { baseUrl: 'ftp://api.eliza.yandex.net' }, {}],
    ['credentials in the base URL', { baseUrl: 'https://user:pw@api.eliza.yandex.net' }, {}],
    ['a bad ELIZA_BASE_URL', {}, { ELIZA_BASE_URL: 'not a url' }],
    ['an empty --token', { token: '  ' }, {}],
    ['--token and --token-file together', { token: 'abcdefgh', tokenFile: '/x' }, {}],
    ['a timeout that is not a number', { timeout: 'fast' }, {}],
    ['a timeout below 100 ms', { timeout: '5' }, {}],
    ['a negative timeout', { timeout: '-1' }, {}],
    ['a fractional timeout', { timeout: '1.5' }, {}],
    ['a huge timeout', { timeout: '999999999' }, {}],
    ['a short fingerprint', { caSha256: ['AB:CD'] }, {}],
    ['a non-hex fingerprint', { caSha256: ['ZZ'.repeat(32)] }, {}],
    ['a --ca-url of another scheme', { caUrl: 'file:///etc/passwd' }, {}],
    ['a missing --ca-file', { caFile: '/nonexistent/ca.pem' }, {}],
    ['a --ca-file that is a directory', { caFile: '/tmp' }, {}],
    ['a model id with spaces', { model: 'gpt 5' }, {}],
    ['a pool with a line break', { pool: 'a\nb' }, {}],
  ];
  for (const [what, raw, env] of bad) {
    it(`rejects ${what} with a ConfigError`, () => {
      assert.throws(() => buildConfig(raw, env), ConfigError);
    });
  }
});

describe('--token-file', () => {
  const dir = tempDir();
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  it('reads and trims the file', () => {
    const c = buildConfig({ tokenFile: file('ok', '  y0_from_file_123\n') }, {});
    assert.equal(c.token?.reveal(), 'y0_from_file_123');
    assert.equal(c.tokenSource, '--token-file');
  });
  const cases: [string, () => string, RegExp][] = [
    ['a missing file', () => path.join(dir, 'nope'), /no such file/],
    [
      'a directory',
      () => {
        mkdirSync(path.join(dir, 'd'), { recursive: true });
        return path.join(dir, 'd');
      },
      /directory/,
    ],
    ['an empty file', () => file('empty', ''), /empty/],
    ['white space only', () => file('blank', ' \n\t\n'), /empty/],
    ['binary content', () => file('bin', Buffer.from([0x79, 0x30, 0x00, 0xff])), /binary/],
    ['two words', () => file('two', 'token1 token2'), /more than one word/],
    ['a huge file', () => file('huge', 'x'.repeat(100_000)), /too large/],
  ];
  for (const [what, make, message] of cases) {
    it(`rejects ${what} in one clear line`, () => {
      assert.throws(
        () => buildConfig({ tokenFile: make() }, {}),
        (e: Error) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'),
      );
    });
  }
});

describe('parseResolve', () => {
  it('parses HOST:PORT:ADDR, IPv6 in brackets, and lists', () => {
    assert.deepEqual(parseResolve('api.eliza.yandex.net:443:127.0.0.1'), {
      host: 'api.eliza.yandex.net',
      port: 443,
      addresses: ['127.0.0.1'],
    });
    assert.deepEqual(parseResolve('API.eliza.yandex.net:443:[::1]').addresses, ['::1']);
    assert.deepEqual(parseResolve('h:1:127.0.0.1,[::1]').addresses, ['127.0.0.1', '::1']);
    assert.equal(parseResolve('API.Example:1:::1').host, 'api.example');
  });
  for (const bad of [
    '',
    'host',
    'host:443',
    'host:0:127.0.0.1',
    'host:70000:127.0.0.1',
    'host:443:not-an-ip',
    'host:x:1.2.3.4',
    ':443:1.2.3.4',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseResolve(bad), ConfigError));
  }
});

describe('small parsers', () => {
  it('parseTimeout takes whole milliseconds from 100 to 600000', () => {
    assert.equal(parseTimeout('100'), 100);
    assert.equal(parseTimeout(' 2500 '), 2500);
    assert.equal(parseTimeout(undefined), 5000);
  });
  it('parseFingerprint accepts any case, with or without colons', () => {
    const expected = YANDEX_INTERNAL_ROOT_SHA256;
    assert.equal(parseFingerprint(expected.toLowerCase()), expected);
    assert.equal(parseFingerprint(expected.replace(/:/g, '')), expected);
    assert.equal(parseFingerprint(expected.replace(/:/g, ' ')), expected);
  });
  it('cleanToken strips what people paste around a token', () => {
    assert.equal(cleanToken('y0_abc'), 'y0_abc');
    assert.equal(cleanToken(' y0_abc\n'), 'y0_abc');
    assert.equal(cleanToken("'y0_abc'"), 'y0_abc');
    assert.equal(cleanToken('OAuth y0_abc'), 'y0_abc');
    assert.equal(cleanToken('bearer   y0_abc'), 'y0_abc');
  });
});
