import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { parseReport, runCli, type Staged, stage } from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;

async function tokenResult(staged: Staged, tokens: Record<string, string>) {
  const env = { ...staged.invocation.env };
  delete env.ELIZA_TOKEN;
  const result = await runCli(['--json', ...staged.invocation.args], {
    env: { ...env, ...tokens },
    home: staged.home,
  });
  for (const output of [result.stdout, result.stderr]) {
    assert.ok(!output.includes(staged.token), 'the token never appears in any output');
  }
  const report = parseReport(result.stdout);
  return { check: report.checks.find((c) => c.id === 'token')!, code: result.code };
}

describe('the token as clients send it, against the loopback gateway', () => {
  it('in quotes: the gateway rejects `OAuth "…"`, so token fails and the run exits 1', async () => {
    const staged = await stage(healthy);
    try {
      const { check, code } = await tokenResult(staged, { SOY_TOKEN: `"${staged.token}"` });
      assert.equal(check.status, 'fail');
      assert.equal(check.code, 'TOKEN_QUOTED');
      assert.equal(code, 1);
    } finally {
      await staged.close();
    }
  });

  it('with trailing spaces the gateway forgives: a warning, exit 0', async () => {
    const staged = await stage(healthy);
    try {
      const { check, code } = await tokenResult(staged, { SOY_TOKEN: `${staged.token}  ` });
      assert.equal(check.status, 'warn');
      assert.equal(check.code, 'TOKEN_HAS_WHITESPACE');
      assert.equal(code, 0);
    } finally {
      await staged.close();
    }
  });

  it('a stale ELIZA_TOKEN beside a good SOY_TOKEN: rejected, SOY_TOKEN named as the one that works', async () => {
    const staged = await stage(healthy);
    try {
      const { check } = await tokenResult(staged, {
        ELIZA_TOKEN: `y0_stale${staged.token.slice(8)}`,
        SOY_TOKEN: staged.token,
      });
      assert.equal(check.code, 'TOKEN_INVALID');
      assert.equal((check.data as { working: string }).working, 'SOY_TOKEN');
      assert.deepEqual(check.fix!.commands, ['unset ELIZA_TOKEN']);
    } finally {
      await staged.close();
    }
  });
});
