import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { README, withCodesTable } from '../../scripts/docs.ts';
import { CODES } from '../../src/codes.ts';
import { ROOT } from '../helpers/cli.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the code catalogue', () => {
  it('is what the README shows (npm run docs writes it)', () => {
    const readme = readFileSync(README, 'utf8');
    assert.equal(readme, withCodesTable(readme));
  });

  it('holds no code that nothing reports', () => {
    const text = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'checks'))]
      .filter((f) => !f.endsWith(`${path.sep}codes.ts`))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(CODES).filter((code) => !text.includes(`'${code}'`));
    assert.deepEqual(unused, []);
  });
});
