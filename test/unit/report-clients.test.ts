import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckResult } from '../../src/engine/types.ts';
import { plainVerdict } from '../../src/report/text.ts';

function result(
  id: string,
  status: CheckResult['status'],
  code: string | null,
  data: unknown = {},
): CheckResult {
  return {
    id,
    title: id === 'client-claude-code' ? 'Claude Code' : id === 'client-codex' ? 'Codex' : id,
    status,
    code,
    summary: '',
    details: [],
    fix: null,
    data,
    durationMs: 1,
  } as CheckResult;
}

const run = (results: CheckResult[]) => ({ results, prerequisites: [], durationMs: 1000 });
const nodeFails = result('trust-node', 'fail', 'TRUST_NODE_UNTRUSTED');
const works = (id: string) => result(id, 'pass', null, { trustedVia: 'the OS store' });

describe('a failing Node trust beside clients that work', () => {
  it('says the clients work when every client found trusts the gateway its own way', () => {
    const text = plainVerdict(run([nodeFails, works('client-claude-code'), works('client-codex')]), false);
    assert.match(text, /Your AI clients work: Claude Code \(the OS store\), Codex \(the OS store\)/);
  });
  it('ignores clients not found or not pointed at Eliza', () => {
    const text = plainVerdict(
      run([
        nodeFails,
        works('client-claude-code'),
        result('client-codex', 'skip', 'CLIENT_NOT_FOUND'),
        result('client-vscode', 'skip', 'CLIENT_NOT_ELIZA'),
      ]),
      false,
    );
    assert.match(text, /Your AI clients work: Claude Code/);
  });
  it('says nothing of the kind when a client fails, or when no client was found', () => {
    const broken = result('client-codex', 'fail', 'CLIENT_UNTRUSTED');
    assert.doesNotMatch(
      plainVerdict(run([nodeFails, works('client-claude-code'), broken]), false),
      /AI clients/,
    );
    assert.doesNotMatch(
      plainVerdict(run([nodeFails, result('client-codex', 'skip', 'CLIENT_NOT_FOUND')]), false),
      /AI clients/,
    );
  });
});
