import path from 'node:path';
import { type Host, perHost } from '../host.ts';

export interface PipSetting {
  file: string;
  line: number;
  /** Lower-case, as pip reads it: `cert`, `trusted-host`, ... (the section is not kept). */
  key: string;
  value: string;
}

/** pip's configuration files, in the order pip reads them: a later one wins. */
export function pipConfigFiles(host: Host): string[] {
  const xdg = host.env.XDG_CONFIG_HOME?.trim() || path.join(host.home, '.config');
  return [
    '/etc/xdg/pip/pip.conf',
    '/etc/pip.conf',
    path.join(host.home, '.pip', 'pip.conf'),
    host.platform === 'darwin'
      ? path.join(host.home, 'Library', 'Application Support', 'pip', 'pip.conf')
      : path.join(xdg, 'pip', 'pip.conf'),
    ...(host.env.PIP_CONFIG_FILE?.trim() ? [host.env.PIP_CONFIG_FILE.trim()] : []),
  ];
}

/** Every `key = value` line of pip's configuration files, read once per run. */
export const readPipConfig = perHost(async (host: Host): Promise<PipSetting[]> => {
  const settings: PipSetting[] = [];
  for (const file of pipConfigFiles(host)) {
    const bytes = await host.readFile(file, 1024 * 1024).catch(() => null);
    if (!bytes || bytes.includes(0)) continue;
    bytes
      .toString('utf8')
      .split(/\r?\n/)
      .forEach((line, index) => {
        const match = /^\s*([A-Za-z][\w-]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
        if (match) settings.push({ file, line: index + 1, key: match[1]!.toLowerCase(), value: match[2]! });
      });
  }
  return settings;
});
