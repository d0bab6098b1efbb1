import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ROOT } from './cli.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'report.schema.json'), 'utf8'));
const validate = ajv.compile(schema);

/** Throws with every violation when the document does not follow the shipped schema. */
export function assertMatchesSchema(document: unknown): void {
  if (!validate(document))
    throw new Error(`not per schema/report.schema.json: ${ajv.errorsText(validate.errors)}`);
}
