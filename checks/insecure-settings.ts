import path from 'node:path';
import type { Code } from '../src/codes.ts';
import { manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck } from '../src/engine/types.ts';
import type { InsecureFinding } from '../src/facts.ts';
import { deleteLinesCommand, shellCommand } from '../src/quote.ts';
import { gitFalse, readGitConfig } from '../src/trust/gitconfig.ts';
import { readPipConfig } from '../src/trust/pip.ts';
import { scanStartup } from '../src/trust/startup.ts';

const FALSE = /^(0|false|no|off)$/i;

/**
 * A finding whose undo deletes lines of a file. The fix deletes all lines of one file in one
 * command: a command per finding would renumber the lines the next one names.
 */
interface Located extends InsecureFinding {
  file?: string;
  lines?: number[];
  /** A system file (/etc/...): deleting from it needs root. */
  sudo?: boolean;
}

function undoCommands(findings: Located[]): string[] {
  const byFile = new Map<string, { lines: number[]; sudo: boolean }>();
  for (const f of findings) {
    if (f.file === undefined || !f.lines) continue;
    const entry = byFile.get(f.file) ?? { lines: [], sudo: false };
    entry.lines.push(...f.lines);
    entry.sudo ||= f.sudo === true;
    byFile.set(f.file, entry);
  }
  const commands = findings.map((f) => {
    const entry = f.file === undefined ? undefined : byFile.get(f.file);
    if (!entry || f.file === undefined) return f.undo;
    return `${entry.sudo ? 'sudo ' : ''}${deleteLinesCommand(f.file, entry.lines)}`;
  });
  return [...new Set(commands)];
}

const MAX_CONFIG_BYTES = 1024 * 1024;

export const insecureSettingsCheck = defineCheck({
  id: 'insecure-settings',
  title: 'Insecure settings',
  yieldsTo: ['tls'],
  network: false,
  async run(ctx) {
    const findings: Located[] = [];
    const { env } = ctx.host;
    const scan = await scanStartup(ctx.host);
    const variables: { name: string; insecure(v: string): boolean; code: Code; who: string }[] = [
      {
        name: 'NODE_TLS_REJECT_UNAUTHORIZED',
        insecure: (v: string) => v.trim() === '0',
        code: 'INSECURE_NODE_TLS',
        who: "Node accepts any certificate, an attacker's too",
      },
      {
        name: 'PYTHONHTTPSVERIFY',
        insecure: (v: string) => v.trim() === '0',
        code: 'INSECURE_PYTHON_VERIFY',
        who: "Python's urllib skips verification",
      },
      {
        name: 'GIT_SSL_NO_VERIFY',
        insecure: (v: string) => v.trim() !== '' && !FALSE.test(v.trim()),
        code: 'INSECURE_GIT_SSL',
        who: 'git skips verification',
      },
    ];
    for (const v of variables) {
      const value = env[v.name];
      if (value !== undefined && v.insecure(value)) {
        findings.push({
          code: v.code,
          where: 'this shell',
          text: `${v.name}=${value} in this shell: ${v.who}`,
          undo: `unset ${v.name}`,
        });
      }
      for (const a of scan.assignments.filter(
        (x) => x.name === v.name && x.value !== null && v.insecure(x.value),
      )) {
        findings.push({
          code: v.code,
          where: `${a.file}:${a.line}`,
          text: `${v.name}=${a.value} set in ${a.file} line ${a.line}: ${v.who}`,
          undo: deleteLinesCommand(a.file, [a.line]),
          file: a.file,
          lines: [a.line],
        });
      }
    }
    findings.push(
      ...(await npmFindings(ctx)),
      ...(await gitFindings(ctx)),
      ...(await curlrcFindings(ctx)),
      ...(await pipFindings(ctx)),
    );
    const data = { findings: findings.map(({ file: _file, lines: _lines, sudo: _sudo, ...f }) => f) };
    const first = findings[0];
    if (!first) return pass('no setting switches certificate verification off', { data });
    const codes = [...new Set(findings.map((f) => f.code))];
    return warn(
      first.code,
      findings.length === 1
        ? first.text
        : `${findings.length} settings switch certificate verification off (${codes.join(', ')})`,
      {
        // The result has one code; each finding keeps its own, here and in data.findings.
        details: findings.map((f) => `${f.code}: ${f.text}`),
        data,
        fix: manualFix(
          'switch verification back on, one command per setting; to trust the internal CA, use eliza-doctor fix instead',
          undoCommands(findings),
        ),
      },
    );
  },
});

async function readText(ctx: CheckContext, file: string): Promise<string | null> {
  try {
    const bytes = await ctx.host.readFile(file, MAX_CONFIG_BYTES);
    return bytes.includes(0) ? null : bytes.toString('utf8');
  } catch {
    return null;
  }
}

async function npmFindings(ctx: CheckContext): Promise<Located[]> {
  const found: Located[] = [];
  const fromEnv = ctx.host.env.npm_config_strict_ssl ?? ctx.host.env.NPM_CONFIG_STRICT_SSL;
  if (fromEnv !== undefined && FALSE.test(fromEnv.trim())) {
    found.push({
      code: 'INSECURE_NPM_STRICT_SSL',
      where: 'this shell',
      text: `npm_config_strict_ssl=${fromEnv}: npm skips verification`,
      undo: 'unset npm_config_strict_ssl',
    });
  }
  const userConfig =
    ctx.host.env.npm_config_userconfig ||
    ctx.host.env.NPM_CONFIG_USERCONFIG ||
    path.join(ctx.host.home, '.npmrc');
  const projectConfig = path.join(ctx.host.cwd, '.npmrc');
  // npm's project config is the .npmrc beside the nearest package.json; here only when that is cwd.
  const cwdIsProject = await ctx.host
    .stat(path.join(ctx.host.cwd, 'package.json'))
    .then((s) => s.isFile())
    .catch(() => false);
  for (const file of [...new Set([userConfig, projectConfig])]) {
    const text = await readText(ctx, file);
    const undo =
      file === userConfig
        ? shellCommand(['npm', 'config', 'delete', 'strict-ssl', '--location=user'])
        : cwdIsProject
          ? shellCommand(['npm', 'config', 'delete', 'strict-ssl', '--location=project'])
          : shellCommand(['npm', 'config', 'delete', 'strict-ssl', '--userconfig', file]);
    text?.split(/\r?\n/).forEach((line, i) => {
      if (/^\s*strict-ssl\s*=\s*(false|0)\s*$/i.test(line)) {
        found.push({
          code: 'INSECURE_NPM_STRICT_SSL',
          where: `${file}:${i + 1}`,
          text: `strict-ssl=false in ${file} line ${i + 1}: npm skips verification`,
          undo,
        });
      }
    });
  }
  return found;
}

async function gitFindings(ctx: CheckContext): Promise<InsecureFinding[]> {
  const settings = await readGitConfig(ctx.host);
  return settings
    .filter((s) => /^http\..*sslverify$/.test(s.key) && gitFalse(s.value))
    .map((s) => ({
      code: 'INSECURE_GIT_SSL',
      where: `${s.file}:${s.line}`,
      text: `${s.key}=${s.value} in ${s.file} line ${s.line}: git skips verification`,
      undo: shellCommand(['git', 'config', '--file', s.file, '--unset', s.key]),
    }));
}

async function curlrcFindings(ctx: CheckContext): Promise<Located[]> {
  const file = path.join(ctx.host.home, '.curlrc');
  const text = await readText(ctx, file);
  const found: Located[] = [];
  text?.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(-k|(--)?insecure)\s*$/.test(line)) {
      found.push({
        code: 'INSECURE_CURLRC',
        where: `${file}:${i + 1}`,
        text: `${file} line ${i + 1} says insecure: curl skips verification`,
        undo: deleteLinesCommand(file, [i + 1]),
        file,
        lines: [i + 1],
      });
    }
  });
  return found;
}

async function pipFindings(ctx: CheckContext): Promise<Located[]> {
  const found: Located[] = [];
  for (const s of (await readPipConfig(ctx.host)).filter((x) => x.key === 'trusted-host')) {
    // A value may go on over indented lines; they go with it, or configparser would hand them to
    // the key above.
    const lines = (await readText(ctx, s.file))?.split(/\r?\n/) ?? [];
    let through = s.line;
    while (through < lines.length && /^[ \t]+\S/.test(lines[through]!)) through += 1;
    const sudo = !s.file.startsWith(`${ctx.host.home}/`);
    const range = Array.from({ length: through - s.line + 1 }, (_, i) => s.line + i);
    found.push({
      code: 'INSECURE_PIP_TRUSTED_HOST',
      where: `${s.file}:${s.line}`,
      text: `trusted-host in ${s.file} line ${s.line}: pip skips verification for those hosts`,
      undo: `${sudo ? 'sudo ' : ''}${deleteLinesCommand(s.file, range)}`,
      file: s.file,
      lines: range,
      sudo,
    });
  }
  if (ctx.host.env.PIP_TRUSTED_HOST) {
    found.push({
      code: 'INSECURE_PIP_TRUSTED_HOST',
      where: 'this shell',
      text: 'PIP_TRUSTED_HOST is set: pip skips verification for those hosts',
      undo: 'unset PIP_TRUSTED_HOST',
    });
  }
  return found;
}
