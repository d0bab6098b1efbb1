import type { DoctorConfig } from '../config.ts';
import { TOKEN_VARIABLES } from '../config.ts';
import { displayable, markdownText } from '../display.ts';
import type { CheckResult } from '../engine/types.ts';
import type { Host } from '../host.ts';
import { redactUrl } from '../net/proxy.ts';
import { shellCommand } from '../quote.ts';
import { VERSION } from '../version.ts';
import type { RunSummary } from './json.ts';
import { plainVerdict } from './text.ts';

/** The variables a support engineer wants to see (names always; values where they are no secret). */
const VARIABLES = [
  ...TOKEN_VARIABLES,
  'ELIZA_BASE_URL',
  'ELIZA_POOL',
  'YA_POOL',
  'OPENAI_BASE_URL',
  'OPENAI_API_BASE',
  'ANTHROPIC_BASE_URL',
  'NODE_EXTRA_CA_CERTS',
  'NODE_OPTIONS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_USE_SYSTEM_CA',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'PIP_CERT',
  'GIT_SSL_CAINFO',
  'PYTHONHTTPSVERIFY',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'NO_PROXY',
  'no_proxy',
  'SHELL',
  'CI',
];

/** Table cells: markdownText escapes `|` too, and lines are already one. */
const cell = (text: string) => markdownText(text);

function shownValue(name: string, value: string): string {
  if ((TOKEN_VARIABLES as readonly string[]).includes(name))
    return `set, ${value.length} characters (value hidden)`;
  if ((/proxy/i.test(name) && !/^no_proxy$/i.test(name)) || /BASE_URL|API_BASE/.test(name))
    return redactUrl(value);
  return value;
}

/** For a ticket: everything the run found, nothing secret, no network of its own. */
export function markdownReport(config: DoctorConfig, host: Host, run: RunSummary): string {
  const lines: string[] = [];
  const env = host.env;
  lines.push('# eliza-doctor report', '');
  lines.push(
    `- eliza-doctor ${VERSION}, Node ${host.nodeVersion}, ${host.platform} ${host.osRelease} (${host.arch})`,
  );
  lines.push(
    `- target: ${config.target.baseUrl} (given as ${redactUrl(config.givenBaseUrl.href)}, from ${config.baseUrlSource})`,
  );
  lines.push(
    `- token: ${config.token ? `from ${config.tokenSource}, ${config.token.length} characters` : 'none found'}`,
  );
  const given = config.invocation.given;
  if (given) {
    // --token's value is a secret: the report says it was given, never what it was.
    const shown = given.map((word, i) =>
      given[i - 1] === '--token'
        ? '[redacted]'
        : displayable(word).replace(/^--token=.*/, '--token=[redacted]'),
    );
    lines.push(
      `- invocation: \`${shellCommand([...config.invocation.command, ...shown]).replace(/`/g, "'")}\``,
    );
  }
  lines.push(
    `- started ${run.startedAt.toISOString()}, took ${run.durationMs} ms, timeout ${config.timeoutMs} ms`,
  );
  lines.push(`- verdict: ${plainVerdict(run, config.strict)} (exit code ${run.exitCode})`, '');

  lines.push('## Environment', '', '| variable | value |', '|---|---|');
  for (const name of VARIABLES) {
    const value = env[name];
    if (value !== undefined) lines.push(`| ${name} | ${cell(shownValue(name, value))} |`);
  }
  lines.push('');

  lines.push('## Checks', '', '| check | status | code | ms | summary |', '|---|---|---|---|---|');
  for (const r of run.results)
    lines.push(`| ${r.id} | ${r.status} | ${r.code ?? ''} | ${r.durationMs} | ${cell(r.summary)} |`);
  lines.push('');

  const tls = run.results.find((r) => r.id === 'tls');
  const presented = (
    tls?.data as
      | {
          presented?: {
            subject: string;
            issuer: string;
            keyType: string;
            validFrom: string;
            validTo: string;
            sha256: string;
          }[];
        }
      | undefined
  )?.presented;
  if (presented?.length) {
    lines.push(
      '## Certificate chain the gateway presented',
      '',
      '| # | subject | issuer | key | valid | SHA-256 |',
      '|---|---|---|---|---|---|',
    );
    presented.forEach((c, i) => {
      lines.push(
        `| ${i + 1} | ${cell(c.subject)} | ${cell(c.issuer)} | ${c.keyType} | ${c.validFrom.slice(0, 10)} .. ${c.validTo.slice(0, 10)} | \`${c.sha256}\` |`,
      );
    });
    lines.push('');
  }

  lines.push('## Details', '');
  for (const r of run.results) lines.push(...checkSection(r));
  return `${lines.join('\n')}\n`;
}

export function checkSection(r: CheckResult): string[] {
  const lines = [`### ${r.id}: ${r.status}${r.code ? ` ${r.code}` : ''}`, '', markdownText(r.summary), ''];
  for (const d of r.details) lines.push(`- ${markdownText(d)}`);
  if (r.details.length) lines.push('');
  if (r.fix) {
    lines.push(`Fix: ${markdownText(r.fix.summary)}`, '');
    // A fenced block shows commands as they are; only a fence inside one could end it early.
    if (r.fix.commands.length)
      lines.push('```sh', ...r.fix.commands.map((c) => c.replace(/```/g, "'''")), '```', '');
  }
  return lines;
}

/** The shorter report for a GitHub Actions job summary. */
export function jobSummary(run: RunSummary, strict: boolean): string {
  const lines = [
    '## eliza-doctor',
    '',
    `**${plainVerdict(run, strict)}**`,
    '',
    '| check | status | summary |',
    '|---|---|---|',
  ];
  const icon = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️' } as const;
  for (const r of run.results)
    lines.push(`| ${r.id} | ${icon[r.status]} ${r.code ?? ''} | ${cell(r.summary)} |`);
  lines.push('');
  for (const r of run.results.filter((x) => x.status === 'fail' || x.status === 'warn'))
    lines.push(...checkSection(r));
  return `${lines.join('\n')}\n`;
}
