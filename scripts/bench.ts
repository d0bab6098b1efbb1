/**
 * npm run bench: the doctor against its alternatives, side by side in one run, on loopback.
 * Medians after a warm-up; ratios against the targets of the project (issue 5). Talks only to
 * 127.0.0.1: the loopback gateway, with answer times like a real gateway's, and a black hole.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startSimGateway } from '../src/sim/gateway.ts';
import { createSimPki } from '../src/sim/pki.ts';
import { invocationFor, SCENARIOS, SIM_HOST, simToken } from '../src/sim/scenarios.ts';
import { blackholePort } from '../test/helpers/blackhole.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** What a real gateway takes to think: quota and models are lookups, a chat is a model call. */
const LATENCY = { quota: 80, models: 80, 'raw-chat': 300 };

interface Measured {
  ms: number;
  code: number | null;
  stdout: string;
}

function timed(command: string, args: string[], env: Record<string, string | undefined>): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ ms: performance.now() - started, code, stdout }));
  });
}

async function median(label: string, make: () => Promise<Measured>, runs = RUNS): Promise<number> {
  await make(); // warm-up: file cache, JIT of node itself
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await make()).ms);
  times.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)]!;
  process.stderr.write(
    `  ${label}: median ${m.toFixed(0)} ms of ${runs} (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)})\n`,
  );
  return m;
}

const rows: { what: string; measured: string; target: string; ok: boolean }[] = [];
function row(what: string, measured: string, target: string, ok: boolean) {
  rows.push({ what, measured, target, ok });
}

const dir = path.join(os.tmpdir(), `eliza-doctor-bench-${process.pid}`);
mkdirSync(path.join(dir, 'home'), { recursive: true });
const baseEnv = { PATH: process.env.PATH, HOME: path.join(dir, 'home') };
const node = process.execPath;

try {
  process.stderr.write(`Cold start (${RUNS} runs each):\n`);
  const bare = await median('node -e 0', () => timed(node, ['-e', '0'], baseEnv));
  const version = await median('eliza-doctor --version', () => timed(node, [CLI, '--version'], baseEnv));
  const list = await median('eliza-doctor list', () => timed(node, [CLI, 'list'], baseEnv));
  row(
    'cold start: --version / node -e 0',
    `${(version / bare).toFixed(2)}x (${version.toFixed(0)} / ${bare.toFixed(0)} ms)`,
    '<= 1.5x',
    version / bare <= 1.5,
  );
  row(
    'cold start: list / node -e 0',
    `${(list / bare).toFixed(2)}x (${list.toFixed(0)} / ${bare.toFixed(0)} ms)`,
    '<= 1.5x',
    list / bare <= 1.5,
  );

  const pki = createSimPki();
  const token = simToken();
  const sim = await startSimGateway({ pki, token, behaviour: { latencyMs: LATENCY } });
  try {
    const healthy = SCENARIOS.find((s) => s.name === 'healthy')!;
    const invocation = invocationFor(healthy, sim, pki, token, dir, 1);
    for (const [file, content] of Object.entries(invocation.files)) writeFileSync(file, content);
    const env = { ...baseEnv, ...invocation.env };
    const base = `https://${SIM_HOST}:${sim.port}`;
    const resolve = `${SIM_HOST}:${sim.port}:127.0.0.1`;
    const ca = invocation.env.CURL_CA_BUNDLE!;

    // The same requests by hand, one after another, as someone debugging would make them.
    const curlScript = path.join(dir, 'by-hand.sh');
    const chat = JSON.stringify({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'ping' }],
      max_completion_tokens: 16,
    });
    const curl = (extra: string) =>
      `curl -sS -o /dev/null --cacert "${ca}" --resolve ${resolve} -H "Authorization: OAuth $ELIZA_TOKEN" ${extra}`;
    writeFileSync(
      curlScript,
      [
        'set -e',
        `${curl(`-I ${base}/`)} || true`,
        curl(`${base}/quota`),
        curl(`${base}/v1/models`),
        curl(
          `-X POST -H 'content-type: application/json' -d '${chat}' ${base}/raw/openai/v1/chat/completions`,
        ),
        '',
      ].join('\n'),
    );
    const fetchScript = path.join(dir, 'fetch.mjs');
    writeFileSync(
      fetchScript,
      `const base = 'https://127.0.0.1:${sim.port}';
const headers = { authorization: 'OAuth ' + process.env.ELIZA_TOKEN, 'content-type': 'application/json' };
for (const [path, body] of [['/quota'], ['/v1/models'], ['/raw/openai/v1/chat/completions', ${JSON.stringify(chat)}]]) {
  const response = await fetch(base + path, { method: body ? 'POST' : 'GET', headers, body });
  await response.text();
}
`,
    );

    process.stderr.write(`\nA full healthy diagnosis, gateway answering in ${JSON.stringify(LATENCY)} ms:\n`);
    const doctorArgs = [CLI, '--json', ...invocation.args];
    const check = await timed(node, doctorArgs, env);
    if (check.code !== 0)
      throw new Error(`the healthy run did not pass (exit ${check.code}): ${check.stdout.slice(0, 500)}`);
    const doctor = await median('eliza-doctor (all checks)', () => timed(node, doctorArgs, env));
    const byHand = await median('curl, four requests in a row', () => timed('bash', [curlScript], env));
    const fetched = await median('node + fetch, three requests in a row', () =>
      timed(node, [fetchScript], env),
    );
    row(
      'healthy run / curl by hand',
      `${(doctor / byHand).toFixed(2)}x (${doctor.toFixed(0)} / ${byHand.toFixed(0)} ms)`,
      '<= 1.0x',
      doctor / byHand <= 1.0,
    );
    const lean = await median('eliza-doctor without the trust checks', () =>
      timed(node, [...doctorArgs, '--skip', 'trust-node,trust-python,trust-system'], env),
    );
    row(
      '(for reference) no trust checks / curl',
      `${(lean / byHand).toFixed(2)}x (${lean.toFixed(0)} / ${byHand.toFixed(0)} ms)`,
      'none',
      true,
    );
    row(
      'healthy run / node fetch script',
      `${(doctor / fetched).toFixed(2)}x (${doctor.toFixed(0)} / ${fetched.toFixed(0)} ms)`,
      '<= 1.5x',
      doctor / fetched <= 1.5,
    );

    const hook = path.join(dir, 'rss.mjs');
    const rssFile = path.join(dir, 'rss.txt');
    writeFileSync(
      hook,
      `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    await timed(node, ['--import', hook, ...doctorArgs], env);
    const rssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
    process.stderr.write(`  peak RSS of the doctor's process: ${rssMb.toFixed(1)} MB\n`);
    row('peak RSS, full healthy run', `${rssMb.toFixed(1)} MB`, '<= 100 MB', rssMb <= 100);
  } finally {
    await sim.close();
  }

  process.stderr.write('\nA black-holed gateway, --timeout 1000:\n');
  const hole = await blackholePort();
  if (!hole) {
    row('black hole, --timeout 1000', 'not measured: no python3 to hold the port', '<= 2.2 s', false);
  } else {
    try {
      const args = [
        CLI,
        '--json',
        '--timeout',
        '1000',
        '--base-url',
        `https://${SIM_HOST}:${hole.port}`,
        '--resolve',
        `${SIM_HOST}:${hole.port}:127.0.0.1`,
        '--ca-url',
        `http://127.0.0.1:${hole.port}/allCAs.pem`,
      ];
      const env = { ...baseEnv, ELIZA_TOKEN: 'y0_bench_token_value' };
      const wall = await median('eliza-doctor against a black hole', () => timed(node, args, env), 3);
      row('black hole, --timeout 1000: wall time', `${(wall / 1000).toFixed(2)} s`, '<= 2.2 s', wall <= 2200);
    } finally {
      hole.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\neliza-doctor benchmark: Node ${process.versions.node}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.release()}\n`,
);
const width = Math.max(...rows.map((r) => r.what.length));
console.log(`${'what'.padEnd(width)}  ${'measured'.padEnd(28)}  ${'target'.padEnd(10)}  verdict`);
for (const r of rows)
  console.log(
    `${r.what.padEnd(width)}  ${r.measured.padEnd(28)}  ${r.target.padEnd(10)}  ${r.ok ? 'met' : 'NOT MET'}`,
  );
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
