import path from 'node:path';
import type { Host } from '../host.ts';
import { hasControlCharacters, quote, UnquotableError } from '../quote.ts';
import { doctorDataDir, installedBundlePath } from '../trust/locations.ts';
import { type ShellKind, shellOf } from '../trust/shell.ts';
import { COMBINED_NODE_NAME, MERGED_BUNDLE_NAME, SCOPED_VARIABLES, scopedBundleName } from './plan.ts';

/** The variables `fix` put in the startup files, from the files it installed; null before any fix. */
export async function installedVariables(host: Host): Promise<Record<string, string> | null> {
  const dir = doctorDataDir(host);
  const exists = (file: string) =>
    host.stat(file).then(
      (s) => s.isFile(),
      () => false,
    );
  const bundle = installedBundlePath(host);
  const combined = path.join(dir, COMBINED_NODE_NAME);
  const merged = path.join(dir, MERGED_BUNDLE_NAME);
  if (!(await exists(bundle))) return null;
  const variables: Record<string, string> = {
    NODE_EXTRA_CA_CERTS: (await exists(combined)) ? combined : bundle,
  };
  if (await exists(merged)) {
    for (const name of SCOPED_VARIABLES) {
      const own = path.join(dir, scopedBundleName(name));
      variables[name] = (await exists(own)) ? own : merged;
    }
  }
  return variables;
}

/**
 * Lines for `eval "$(eliza-doctor env)"`, in the syntax of the shell that evaluates them; or
 * `NAME=value` lines for a GitHub Actions job's $GITHUB_ENV file.
 */
export function envLines(variables: Record<string, string>, syntax: ShellKind | 'github'): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (syntax === 'github') {
        if (hasControlCharacters(value)) throw new UnquotableError(`${name} holds a control character`);
        return `${name}=${value}`;
      }
      return syntax === 'fish'
        ? `set -gx ${name} ${quote(value, 'fish')};`
        : `export ${name}=${quote(value)};`;
    })
    .join('\n');
}

export function shellFor(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ShellKind {
  return shellOf(flag ?? env.SHELL) ?? 'bash';
}
