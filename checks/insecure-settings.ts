import path from 'node:path';
import type { Code } from '../src/codes.ts';
import { manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck } from '../src/engine/types.ts';
import type { InsecureFinding } from '../src/facts.ts';
import { shellCommand } from '../src/quote.ts';
import { gitFalse, readGitConfig } from '../src/trust/gitconfig.ts';
import { readPipConfig } from '../src/trust/pip.ts';
import { scanStartup } from '../src/trust/startup.ts';

const FALSE = /^(0|false|no|off)$/i;
const MAX_CONFIG_BYTES = 1024 * 1024;

export const insecureSettingsCheck = defineCheck({
  id: 'insecure-settings',
  title: 'Insecure settings',
  network: false,
  async run(ctx) {
    const findings: InsecureFinding[] = [];
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
          undo: `remove line ${a.line} of ${a.file}`,
        });
      }
    }
    findings.push(
      ...(await npmFindings(ctx)),
      ...(await gitFindings(ctx)),
      ...(await curlrcFindings(ctx)),
      ...(await pipFindings(ctx)),
    );
    const data = { findings };
    const first = findings[0];
    if (!first) return pass('no setting switches certificate verification off', { data });
    return warn(first.code, first.text, {
      details: findings.slice(1).map((f) => f.text),
      data,
      fix: manualFix('switch verification back on; to trust the internal CA, use eliza-doctor fix instead', [
        ...new Set(findings.map((f) => f.undo)),
      ]),
    });
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

async function npmFindings(ctx: CheckContext): Promise<InsecureFinding[]> {
  const found: InsecureFinding[] = [];
  const fromEnv = ctx.host.env.npm_config_strict_ssl ?? ctx.host.env.NPM_CONFIG_STRICT_SSL;
  if (fromEnv !== undefined && FALSE.test(fromEnv.trim())) {
    found.push({
      code: 'INSECURE_NPM_STRICT_SSL',
      where: 'this shell',
      text: `npm_config_strict_ssl=${fromEnv}: npm skips verification`,
      undo: 'unset npm_config_strict_ssl',
    });
  }
  const files = [
    ctx.host.env.NPM_CONFIG_USERCONFIG || path.join(ctx.host.home, '.npmrc'),
    path.join(ctx.host.cwd, '.npmrc'),
  ];
  for (const file of [...new Set(files)]) {
    const text = await readText(ctx, file);
    text?.split(/\r?\n/).forEach((line, i) => {
      if (/^\s*strict-ssl\s*=\s*(false|0)\s*$/i.test(line)) {
        found.push({
          code: 'INSECURE_NPM_STRICT_SSL',
          where: `${file}:${i + 1}`,
          text: `strict-ssl=false in ${file}: npm skips verification`,
          undo: `npm config delete strict-ssl --location=${file.startsWith(ctx.host.home) && !file.startsWith(ctx.host.cwd) ? 'user' : 'project'}`,
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

async function curlrcFindings(ctx: CheckContext): Promise<InsecureFinding[]> {
  const file = path.join(ctx.host.home, '.curlrc');
  const text = await readText(ctx, file);
  const found: InsecureFinding[] = [];
  text?.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(-k|(--)?insecure)\s*$/.test(line)) {
      found.push({
        code: 'INSECURE_CURLRC',
        where: `${file}:${i + 1}`,
        text: `${file} line ${i + 1} says insecure: curl skips verification`,
        undo: `remove line ${i + 1} of ${file}`,
      });
    }
  });
  return found;
}

async function pipFindings(ctx: CheckContext): Promise<InsecureFinding[]> {
  const found: InsecureFinding[] = (await readPipConfig(ctx.host))
    .filter((s) => s.key === 'trusted-host')
    .map((s) => ({
      code: 'INSECURE_PIP_TRUSTED_HOST',
      where: `${s.file}:${s.line}`,
      text: `trusted-host in ${s.file} line ${s.line}: pip skips verification for those hosts`,
      undo: `remove line ${s.line} of ${s.file}`,
    }));
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
