import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PYTHON_CLIENT_LIBRARIES } from '../../src/clients/python.ts';
import type { GatewayBehaviour, SimGateway } from '../../src/sim/gateway.ts';
import { createSimPki, type SimPki } from '../../src/sim/pki.ts';
import { closedPort } from '../../src/sim/ports.ts';
import { type Invocation, invocationFor, type Scenario, simToken } from '../../src/sim/scenarios.ts';
import { startScenarioWorld } from '../../src/sim/world.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built CLI with exactly the environment given: the machines here set
 * NODE_EXTRA_CA_CERTS, SSL_CERT_FILE and friends, which would otherwise leak into every test.
 */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; home: string; cwd?: string; killAfterMs?: number },
): Promise<CliResult> {
  return runProgram(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home, ...options.env },
    cwd: options.cwd ?? options.home,
    killAfterMs: options.killAfterMs ?? 60_000,
  });
}

/** Any program, with exactly this environment, killed after a bound; never rejects on its exit code. */
export function runProgram(
  file: string,
  args: string[],
  options: {
    env: Record<string, string | undefined>;
    cwd?: string;
    killAfterMs?: number;
    /** Run as this user (and its group of the same number): a test run as root seeing another's HOME. */
    uid?: number;
  },
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The check ids of the contract, in its order. */
export const CONTRACT_IDS = [
  'environment',
  'scheme',
  'dns',
  'tcp',
  'tls',
  'ca-bundle',
  'trust-node',
  'trust-python',
  'trust-system',
  'insecure-settings',
  'token',
  'models',
  'round-trip',
  'stream',
  'client-claude-code',
  'client-codex',
  'client-vscode',
  'client-python',
];

/**
 * The libraries client-python judges that the python3 the CLI finds has (none: no python3, or
 * none of them): what it says in a full run depends on them, so the tests expect accordingly.
 */
export const PYTHON_CLIENTS_HERE: readonly string[] = (() => {
  const found = spawnSync(
    'python3',
    [
      '-I',
      '-c',
      `import importlib.metadata as m\nfor n in ${JSON.stringify(PYTHON_CLIENT_LIBRARIES)}:\n  try: m.version(n); print(n)\n  except Exception: pass`,
    ],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return found.status === 0 ? found.stdout.split('\n').filter(Boolean) : [];
})();

/**
 * client-python's outcome in a full run, from trust-python's (the same CA variables decide both);
 * null where it depends on more than that (an SDK installed here and pointed somewhere).
 */
export function clientPythonExpected(
  trustPython: string | undefined,
  env: Record<string, string>,
): string | null {
  if (trustPython === 'DEPENDENCY_NOT_MET' || trustPython === 'OFFLINE') return trustPython;
  if (PYTHON_CLIENTS_HERE.length === 0 || trustPython === 'TRUST_PYTHON_NOT_FOUND') return 'CLIENT_NOT_FOUND';
  const sdks = ['openai', 'anthropic', 'litellm', 'langchain-openai', 'aider-chat'];
  const pointed = ['OPENAI_BASE_URL', 'OPENAI_API_BASE', 'ANTHROPIC_BASE_URL'].some((n) => env[n]);
  if (pointed && PYTHON_CLIENTS_HERE.some((l) => sdks.includes(l))) return null;
  if (trustPython === 'pass') return 'pass';
  if (trustPython === 'TRUST_PYTHON_UNTRUSTED') return 'CLIENT_UNTRUSTED';
  return null;
}

/** ", client-python" where it joins the trust checks' one cause (it judges libraries here). */
export const WITH_CLIENT_PYTHON = PYTHON_CLIENTS_HERE.length > 0 ? ', client-python' : '';

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'eliza-doctor-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export function tempHome(): string {
  const home = path.join(tempDir(), 'home');
  mkdirSync(home);
  return home;
}

let sharedPki: SimPki | null = null;
export function pki(): SimPki {
  sharedPki ??= createSimPki();
  return sharedPki;
}

export interface Staged {
  sim: SimGateway;
  token: string;
  home: string;
  invocation: Invocation;
  close(): Promise<void>;
}

/** Starts the loopback gateway for a scenario and prepares the doctor's flags and environment. */
export async function stage(scenario: Scenario, behaviour?: Partial<GatewayBehaviour>): Promise<Staged> {
  const token = simToken();
  const world = await startScenarioWorld(scenario, {
    pki: pki(),
    token,
    ...(behaviour ? { behaviour } : {}),
  });
  const { sim } = world;
  const dir = tempDir();
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const invocation = invocationFor(scenario, sim, pki(), token, dir, await closedPort(), {
    proxyUrl: world.proxy?.url,
  });
  for (const [file, content] of Object.entries(invocation.files)) writeFileSync(file, content);
  return { sim, token, home, invocation, close: () => world.close() };
}

export { closedPort };

export interface JsonCheck {
  id: string;
  status: string;
  code: string | null;
  summary: string;
  details: string[];
  fix: { summary: string; commands: string[]; automated: boolean } | null;
  data: Record<string, unknown>;
}

export function parseReport(stdout: string): {
  ok: boolean;
  checks: JsonCheck[];
  summary: Record<string, number>;
} {
  return JSON.parse(stdout);
}

/** 'pass' when the check passed, else its code. */
export function outcomeOf(check: JsonCheck): string {
  return check.status === 'pass' ? 'pass' : (check.code ?? check.status);
}

/**
 * Every file under a folder with its owner, mode and bytes: what "nothing changed" and "every byte
 * restored" are checked against.
 */
export function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(p);
      else files.set(p, `${s.uid}:${(s.mode & 0o777).toString(8)}:${readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return files;
}
