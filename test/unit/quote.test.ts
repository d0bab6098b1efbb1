import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hasControlCharacters, quote, quotePath, shellCommand } from '../../src/quote.ts';

/** What bash makes of a quoted word: the proof, not a reading of the rules. */
const bashEcho = (word: string) => execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8' });

describe('quote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    assert.equal(quote('/usr/local/share/x.pem'), '/usr/local/share/x.pem');
    assert.equal(quote('a b'), "'a b'");
    assert.equal(quote("it's"), `'it'\\''s'`);
    assert.equal(quote(''), "''");
    assert.equal(quote("it's", 'fish'), `'it\\'s'`);
  });

  it('refuses control characters', () => {
    assert.throws(() => quote('a\nb'), /control character/);
    assert.throws(() => quotePath('/home/u/x\r', '/home/u'), /control character/);
  });

  it('gives bash back exactly the word, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (word) => {
        fc.pre(!hasControlCharacters(word));
        assert.equal(bashEcho(quote(word)), word);
      }),
      { numRuns: 60 },
    );
  });

  it('writes a path under HOME as "$HOME/…" only when that is safe', () => {
    assert.equal(quotePath('/home/u/.local/x.pem', '/home/u'), '"$HOME/.local/x.pem"');
    assert.equal(quotePath('/home/u/$(reboot)/x.pem', '/home/u'), `'/home/u/$(reboot)/x.pem'`);
    assert.equal(quotePath('/opt/x.pem', '/home/u'), '/opt/x.pem');
  });

  it('makes a command line of quoted words', () => {
    assert.equal(
      shellCommand(['git', 'config', '--unset', 'http.https://a b/.sslverify']),
      "git config --unset 'http.https://a b/.sslverify'",
    );
  });
});
