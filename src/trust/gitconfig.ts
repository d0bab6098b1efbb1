import path from 'node:path';
import { type Host, perHost } from '../host.ts';

export interface GitSetting {
  file: string;
  line: number;
  /** Lower-case, as git compares them: section[.subsection].name, e.g. http.https://x/.sslverify */
  key: string;
  value: string;
}

/**
 * git's config files as git reads them (system, global, the repository here), parsed directly:
 * starting git once per setting would cost more than the whole check. `[include]` is not followed.
 */
export const readGitConfig = perHost(async (host: Host): Promise<GitSetting[]> => {
  const env = host.env;
  const xdg = env.XDG_CONFIG_HOME?.trim() || path.join(host.home, '.config');
  const files = [
    env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig',
    ...(env.GIT_CONFIG_GLOBAL
      ? [env.GIT_CONFIG_GLOBAL]
      : [path.join(xdg, 'git', 'config'), path.join(host.home, '.gitconfig')]),
    path.join(host.cwd, '.git', 'config'),
  ];
  const settings: GitSetting[] = [];
  for (const file of files) {
    const text = await host.readFile(file, 1024 * 1024).then(
      (b) => b.toString('utf8'),
      () => null,
    );
    if (text) settings.push(...parseGitConfig(file, text));
  }
  return settings;
});

export function parseGitConfig(file: string, text: string): GitSetting[] {
  const settings: GitSetting[] = [];
  let section = '';
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (!line) return;
    const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"(.*)")?\s*\]/.exec(line);
    if (header) {
      section =
        header[2] !== undefined ? `${header[1]!.toLowerCase()}.${header[2]}` : header[1]!.toLowerCase();
      return;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || !section) return;
    const value = (entry[2] ?? 'true').replace(/^"(.*)"$/, '$1');
    settings.push({ file, line: index + 1, key: `${section}.${entry[1]!.toLowerCase()}`, value });
  });
  return settings;
}

/** git's idea of false. */
export function gitFalse(value: string): boolean {
  return /^(false|no|off|0|)$/i.test(value.trim());
}
