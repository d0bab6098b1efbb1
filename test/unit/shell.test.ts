import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unifiedDiff } from '../../src/fixes/diff.ts';
import { union } from '../../src/fixes/plan.ts';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  blockLines,
  findAssignments,
  readScript,
  withBlock,
  withoutBlock,
} from '../../src/trust/shell.ts';
import { pki } from '../helpers/cli.ts';

const HOME = '/home/u';
const block = blockLines(
  'bash',
  { NODE_EXTRA_CA_CERTS: '/home/u/.local/share/eliza-doctor/YandexInternalCA.pem' },
  HOME,
);

describe('the marked block in a startup file', () => {
  const cases: [string, string][] = [
    ['an empty file', ''],
    ['a file with a final newline', 'alias ll="ls -l"\n'],
    ['a file without one', 'alias ll="ls -l"'],
    ['a CRLF file', 'alias ll="ls -l"\r\nexport A=1\r\n'],
    ['a file with text after an old block', `a\n\n${BLOCK_BEGIN}\nexport X=old\n${BLOCK_END}\nb\n`],
  ];
  for (const [what, original] of cases) {
    it(`${what}: put in once, replaced in place, taken out again`, () => {
      const once = withBlock(original, block);
      assert.equal(once.split(BLOCK_BEGIN).length, 2, 'one block');
      assert.equal(withBlock(once, block), once, 'idempotent');
      assert.ok(
        once.startsWith(
          original
            .slice(0, original.indexOf(BLOCK_BEGIN) >= 0 ? original.indexOf(BLOCK_BEGIN) : original.length)
            .trimEnd(),
        ),
      );
      const written = once.slice(once.indexOf(BLOCK_BEGIN));
      assert.ok(
        !written.includes('\r'),
        'the block is LF whatever the file uses: a CR would be part of the value',
      );
      if (!original.includes(BLOCK_BEGIN)) assert.equal(withoutBlock(once).trimEnd(), original.trimEnd());
    });
  }
  it('writes $HOME rather than the home path, and fish syntax for fish', () => {
    assert.ok(
      block.includes('export NODE_EXTRA_CA_CERTS="$HOME/.local/share/eliza-doctor/YandexInternalCA.pem"'),
    );
    const fish = blockLines('fish', { SSL_CERT_FILE: '/etc/x.pem' }, HOME);
    assert.ok(fish.includes('set -gx SSL_CERT_FILE "/etc/x.pem"'));
  });
});

describe('findAssignments', () => {
  it('reads export, plain and fish assignments, expanding $HOME and ~ only', () => {
    const text = [
      '# export NODE_EXTRA_CA_CERTS=/commented',
      'export NODE_EXTRA_CA_CERTS="$HOME/ca.pem"',
      "SSL_CERT_FILE='~/b.pem' # single quotes: no tilde expansion",
      'export REQUESTS_CA_BUNDLE=$(python3 -m certifi)',
      'export OTHER=1',
    ].join('\n');
    const found = findAssignments(
      '/f',
      text,
      'bash',
      ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE'],
      HOME,
    );
    assert.deepEqual(
      found.map((a) => [a.name, a.value, a.line]),
      [
        ['NODE_EXTRA_CA_CERTS', '/home/u/ca.pem', 2],
        ['SSL_CERT_FILE', '~/b.pem', 3],
        ['REQUESTS_CA_BUNDLE', null, 4],
      ],
    );
    const fish = findAssignments(
      '/f',
      'set -gx NODE_EXTRA_CA_CERTS ~/x.pem',
      'fish',
      ['NODE_EXTRA_CA_CERTS'],
      HOME,
    );
    assert.equal(fish[0]?.value, '/home/u/x.pem');
  });
});

describe('readScript: what reading a startup file can and cannot follow', () => {
  const names = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE'];
  it('follows literal sources, marks conditions, loops, computed values and unsets', () => {
    const text = [
      '[ -f ~/.bash_aliases ] && . ~/.bash_aliases',
      'for f in ~/.bashrc.d/*.sh; do source "$f"; done',
      'source <(kubectl completion bash)',
      '[ -f ~/ca.pem ] && export NODE_EXTRA_CA_CERTS=~/ca.pem',
      'if [ -d ~/certs ]; then',
      '  export SSL_CERT_FILE="$HOME/certs/all.pem"',
      'fi',
      'export SSL_CERT_FILE="$CERTS/all.pem"',
      'unset NODE_EXTRA_CA_CERTS',
    ].join('\r\n');
    const reading = readScript('/f', text, 'bash', names, HOME);
    assert.equal(reading.crlf, true);
    assert.deepEqual(
      reading.events.map((e) =>
        e.kind === 'assign'
          ? [e.kind, e.assignment.name, e.assignment.value, e.assignment.conditional]
          : e.kind === 'source'
            ? [e.kind, e.target]
            : [e.kind, e.name],
      ),
      [
        ['source', '/home/u/.bash_aliases'],
        ['assign', 'NODE_EXTRA_CA_CERTS', '/home/u/ca.pem', true],
        ['assign', 'SSL_CERT_FILE', '/home/u/certs/all.pem', true],
        ['assign', 'SSL_CERT_FILE', null, false],
        ['unset', 'NODE_EXTRA_CA_CERTS'],
      ],
    );
    const kinds = reading.constructs.map(
      (c) => `${c.line}:${c.kind}${c.target === null ? '' : `:${c.target}`}`,
    );
    assert.deepEqual(kinds, [
      '1:source:/home/u/.bash_aliases',
      '2:loop',
      '2:source',
      '3:source',
      '4:conditional',
      '6:conditional',
      '8:computed',
      '9:unset',
    ]);
  });
  it('fish: and/or conditions, set -e, set -q', () => {
    const text =
      'test -f ~/a.pem; and set -gx NODE_EXTRA_CA_CERTS ~/a.pem\nset -q SSL_CERT_FILE\nset -e SSL_CERT_FILE\n';
    const reading = readScript('/f', text, 'fish', names, HOME);
    assert.deepEqual(
      reading.events.map((e) =>
        e.kind === 'assign' ? [e.assignment.name, e.assignment.conditional] : [e.kind],
      ),
      [['NODE_EXTRA_CA_CERTS', true], ['unset']],
    );
  });
});

describe('unifiedDiff', () => {
  it('shows the added block as one hunk', () => {
    const diff = unifiedDiff('/home/u/.bashrc', 'a\nb\n', 'a\nb\n\nexport X=1\n');
    assert.equal(
      diff,
      '--- a/home/u/.bashrc\n+++ b/home/u/.bashrc\n@@ -1,2 +1,4 @@\n a\n b\n+\n+export X=1\n',
    );
  });
  it('shows a new file against /dev/null, and nothing for no change', () => {
    assert.match(unifiedDiff('/x', null, 'x\n'), /^--- \/dev\/null\n\+\+\+ b\/x\n@@ -0,0 \+1,1 @@\n\+x\n$/);
    assert.equal(unifiedDiff('/x', 'same\n', 'same\n'), '');
  });
});

describe('union of PEM bundles', () => {
  it('keeps the base, adds what is missing, each certificate once', () => {
    const merged = union(pki().root.pem + pki().root.pem, pki().bundlePem);
    assert.equal(merged.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.ok(merged.startsWith(pki().root.pem));
  });
});
