import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { outcomeOf, parseReport, runCli, stage, tempDir } from '../helpers/cli.ts';

describe('child processes run nothing from the current folder', () => {
  it('a json.py and an ssl.py in the current folder are not run by the Python probe', async () => {
    const staged = await stage(scenarioByName('healthy')!);
    try {
      const cwd = tempDir();
      const marker = path.join(cwd, 'ran');
      for (const module of ['json', 'ssl']) {
        writeFileSync(
          path.join(cwd, `${module}.py`),
          `open(${JSON.stringify(marker)}, "a").write("${module} ran\\n")\n`,
        );
      }
      const result = await runCli(['--json', '--only', 'trust-python', ...staged.invocation.args], {
        env: staged.invocation.env,
        home: staged.home,
        cwd,
      });
      const [check] = parseReport(result.stdout).checks;
      assert.ok(!existsSync(marker), 'the planted module ran');
      // Without python3 there is nothing to run; the check then says so.
      assert.ok(
        ['pass', 'TRUST_PYTHON_NOT_FOUND'].includes(outcomeOf(check!)),
        `trust-python: ${outcomeOf(check!)} ${check!.summary}`,
      );
      assert.ok(!result.stdout.includes(staged.token));
    } finally {
      await staged.close();
    }
  });
});
