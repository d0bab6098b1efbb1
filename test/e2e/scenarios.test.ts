import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCENARIOS } from '../../src/sim/scenarios.ts';
import { clientPythonExpected, outcomeOf, parseReport, runCli, stage } from '../helpers/cli.ts';
import { assertMatchesSchema } from '../helpers/schema.ts';

describe('every scenario of the loopback gateway gives its codes on the right checks', {
  concurrency: 2,
}, () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: ${scenario.description}`, async () => {
      const staged = await stage(scenario);
      try {
        const result = await runCli(['check', '--json', ...staged.invocation.args], {
          env: staged.invocation.env,
          home: staged.home,
        });
        assert.equal(result.stderr, '', 'nothing on stderr');
        const report = parseReport(result.stdout);
        assertMatchesSchema(report);
        const got = Object.fromEntries(report.checks.map((c) => [c.id, outcomeOf(c)]));
        const expected = { ...scenario.expect };
        const python = clientPythonExpected(expected['trust-python'], staged.invocation.env);
        if (python === null) delete got['client-python'];
        else expected['client-python'] = python;
        assert.deepEqual(got, expected);
        // TIMEOUT and CHECK_CRASHED are the runner's, not a check's: a bound or a bug, no fix to give.
        const runners = new Set(['TIMEOUT', 'CHECK_CRASHED']);
        for (const c of report.checks.filter((c) => c.status === 'fail' && !runners.has(c.code ?? ''))) {
          assert.ok(
            c.fix,
            `${c.id} (${c.code}) fails with a next step: a fix, or plainly that nothing here can`,
          );
        }
        const failed = report.checks.some((c) => c.status === 'fail');
        assert.equal(result.code, failed ? 1 : 0, 'exit code follows the contract');
        assert.equal(report.ok, !failed);
        for (const output of [result.stdout, result.stderr]) {
          assert.ok(!output.includes(staged.token), 'the token never appears in any output');
        }
      } finally {
        await staged.close();
      }
    });
  }
});
