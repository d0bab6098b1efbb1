import { Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import type { VscodeFacts } from '../facts.ts';
import type { ClientFixer } from './fixes.ts';
import type { SetupSnippet } from './setup.ts';
import type { Setting } from './types.ts';

/**
 * Continue's `~/.continue/config.yaml`: the models it offers and how each one connects, as
 * Continue merges them (continuedev/continue packages/config-yaml/src/load/merge.ts: a model's
 * `requestOptions` over the top-level ones, headers merged). Pure: text in, facts out, and the
 * edit `fix` makes (comments and layout kept, through the yaml Document API).
 */

export interface ContinueModel {
  /** Its place in `models`: what an edit names. */
  index: number;
  name: string;
  /** Where the entry starts. */
  source: string;
  provider: string | null;
  model: Setting | null;
  apiBase: Setting | null;
  apiKey: Setting | null;
  /** `requestOptions.caBundlePath`, a string or a list, in order; the model's own or the top level's. */
  caBundlePaths: Setting[];
  /** `requestOptions.verifySsl: false`: Continue's agent then accepts any certificate. */
  verifyOff: Setting | null;
  /** `requestOptions.headers`, top level merged under the model's. */
  headers: Record<string, string>;
}

export type ContinueParse =
  | { ok: true; models: ContinueModel[] }
  | { ok: false; line: number; reason: string };

/** Continue appends the route to `apiBase` after adding a trailing slash (core/llm/index.ts). */
export function continueEndpoint(apiBase: string, route: string): string {
  return new URL(route, apiBase.endsWith('/') ? apiBase : `${apiBase}/`).toString();
}

/** Written back the way the user wrote it: no folding of long lines, their sequence indentation. */
function writeOptions(text: string) {
  return { lineWidth: 0, indentSeq: !/^([ \t]*)[^\s#-][^\n]*:[ \t]*\r?\n\1-[ \t]/m.test(text) };
}

export function parseContinueConfig(text: string, file: string): ContinueParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    return { ok: false, line: lineCounter.linePos(error.pos[0]).line, reason: error.code };
  }
  const where = (node: Node | null | undefined) =>
    `${file}:${node?.range ? lineCounter.linePos(node.range[0]).line : 1}`;
  const root = doc.contents;
  if (root !== null && !isMap(root)) return { ok: false, line: 1, reason: 'the top level is not a map' };
  const scalarAt = (map: YAMLMap | null, key: string): Setting | null => {
    const node = map?.get(key, true);
    if (!isScalar(node) || node.value === null || node.value === undefined) return null;
    return { value: String(node.value), source: where(node) };
  };
  const mapAt = (map: YAMLMap | null, key: string): YAMLMap | null => {
    const node = map?.get(key, true);
    return isMap(node) ? node : null;
  };
  const globalOptions = mapAt(root, 'requestOptions');
  const caPathsOf = (options: YAMLMap | null): Setting[] | null => {
    const node = options?.get('caBundlePath', true);
    if (isScalar(node) && typeof node.value === 'string') return [{ value: node.value, source: where(node) }];
    if (isSeq(node))
      return node.items
        .filter((item) => isScalar(item) && typeof item.value === 'string')
        .map((item) => ({ value: String((item as { value: unknown }).value), source: where(item as Node) }));
    return null;
  };
  const verifyOffOf = (options: YAMLMap | null): Setting | null | undefined => {
    const node = options?.get('verifySsl', true);
    if (!isScalar(node)) return undefined;
    return node.value === false ? { value: 'false', source: where(node) } : null;
  };
  const headersOf = (options: YAMLMap | null): Record<string, string> => {
    const headers: Record<string, string> = {};
    const map = mapAt(options, 'headers');
    for (const pair of map?.items ?? []) {
      if (isScalar(pair.key) && isScalar(pair.value) && pair.value.value !== null)
        headers[String(pair.key.value)] = String(pair.value.value);
    }
    return headers;
  };
  const modelsNode = root?.get('models', true);
  const models: ContinueModel[] = [];
  if (isSeq(modelsNode)) {
    modelsNode.items.forEach((item, index) => {
      // A `uses:` block names a hub model: nothing local to read.
      if (!isMap(item) || item.has('uses')) return;
      const options = mapAt(item, 'requestOptions');
      const verify = verifyOffOf(options);
      models.push({
        index,
        name: scalarAt(item, 'name')?.value ?? `models[${index}]`,
        source: where(item),
        provider: scalarAt(item, 'provider')?.value ?? null,
        model: scalarAt(item, 'model'),
        apiBase: scalarAt(item, 'apiBase'),
        apiKey: scalarAt(item, 'apiKey'),
        caBundlePaths: caPathsOf(options) ?? caPathsOf(globalOptions) ?? [],
        verifyOff: verify === undefined ? (verifyOffOf(globalOptions) ?? null) : verify,
        headers: { ...headersOf(globalOptions), ...headersOf(options) },
      });
    });
  }
  return { ok: true, models };
}

export interface ContinueEdit {
  index: number;
  /** A CA file the model's `requestOptions.caBundlePath` must name (added to what is there). */
  caPath?: string;
  /** The `apiBase` to write. */
  apiBase?: string;
  /** Drop the model's `verifySsl: false` (verification back on). */
  verifyOn?: boolean;
}

export class ContinueConfigInvalid extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** The file with the edits made, comments, order and quoting kept. */
export function editContinueConfig(text: string, edits: ContinueEdit[]): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const error = doc.errors[0];
  if (error) throw new ContinueConfigInvalid(lineCounter.linePos(error.pos[0]).line, error.code);
  for (const edit of edits) {
    const entry = doc.getIn(['models', edit.index], true);
    if (!isMap(entry)) throw new ContinueConfigInvalid(1, `models[${edit.index}] is not a map`);
    if (edit.apiBase !== undefined) entry.set('apiBase', edit.apiBase);
    if (edit.caPath !== undefined) {
      const current = entry.getIn(['requestOptions', 'caBundlePath'], true);
      if (isSeq(current)) {
        if (!current.items.some((item) => isScalar(item) && item.value === edit.caPath))
          current.add(edit.caPath);
      } else if (isScalar(current) && typeof current.value === 'string' && current.value !== edit.caPath) {
        // Continue reads every file of a list: what the user named stays, ours joins it.
        entry.setIn(['requestOptions', 'caBundlePath'], doc.createNode([current.value, edit.caPath]));
      } else if (!isScalar(current) || current.value !== edit.caPath) {
        entry.setIn(['requestOptions', 'caBundlePath'], edit.caPath);
      }
    }
    if (edit.verifyOn && entry.getIn(['requestOptions', 'verifySsl']) === false) {
      entry.deleteIn(['requestOptions', 'verifySsl']);
    }
  }
  return doc.toString(writeOptions(text));
}

/** A models entry for a config that has none pointed at Eliza: the onboarding snippet. */
export function continueSnippet(options: { apiBase: string; caPath: string; model: string }): string {
  const model = {
    name: 'Eliza',
    provider: 'openai',
    model: options.model,
    apiBase: options.apiBase,
    apiKey: '<your Eliza token>',
    requestOptions: { caBundlePath: options.caPath },
  };
  return new Document({ models: [model] }).toString({ lineWidth: 0 });
}

/** Where Continue keeps its config: the file `fix` edits and `setup continue` names. */
export const CONTINUE_CONFIG = '~/.continue/config.yaml';

/**
 * fix's part for Continue: the models the check found wanting get `caBundlePath` (the CA file fix
 * installs), the Eliza base URL, verification back on; the rest of the file as it was.
 */
export const continueFixer: ClientFixer = async ({ host, result, caPath }) => {
  const wanted = (result.data as Partial<VscodeFacts> | null)?.continueFix ?? null;
  const notes = [
    'Continue reads config.yaml again by itself; Cline and Roo Code trust the OS store through VS Code: sudo eliza-doctor fix --system adds the CA there',
  ];
  if (!wanted || wanted.models.length === 0) return { edits: [], notes: [], manual: [], usesCaFile: false };
  const text = (await host.readFile(wanted.file, 1024 * 1024)).toString('utf8');
  let after: string;
  try {
    after = editContinueConfig(
      text,
      wanted.models.map((m) => ({
        index: m.index,
        ...(m.ca ? { caPath } : {}),
        ...(m.apiBase ? { apiBase: m.apiBase } : {}),
        ...(m.verifyOn ? { verifyOn: true } : {}),
      })),
    );
  } catch (error) {
    if (!(error instanceof ContinueConfigInvalid)) throw error;
    // Changed since the check read it: nothing of it is touched.
    return {
      edits: [],
      notes: [],
      manual: [
        `# CLIENT_CONFIG_INVALID: ${wanted.file}:${error.line} cannot be parsed; repair it, then run eliza-doctor fix again`,
      ],
      usesCaFile: false,
    };
  }
  if (after === text) return { edits: [], notes: [], manual: [], usesCaFile: false };
  return {
    edits: [
      { file: wanted.file, after, why: "point Continue's Eliza models at the raw route and the internal CA" },
    ],
    notes,
    manual: [],
    usesCaFile: wanted.models.some((m) => m.ca),
  };
};

export const continueSetup: SetupSnippet = {
  client: 'Continue',
  file: CONTINUE_CONFIG,
  text: (ctx) => continueSnippet({ apiBase: ctx.baseUrl('openai'), caPath: ctx.caPath, model: 'gpt-5-mini' }),
};
