import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Io } from '../cli/io.ts';
import { createSimPki } from './pki.ts';
import { closedPort } from './ports.ts';
import { invocationFor, type Scenario, simToken } from './scenarios.ts';
import { startScenarioWorld } from './world.ts';

/**
 * Stages a scenario on the loopback gateway and runs the real doctor against it in a child
 * process: NODE_EXTRA_CA_CERTS is read only at start-up, so trust can only be staged that way.
 */
export async function runDemoScenario(
  scenario: Scenario,
  passThrough: string[],
  io: Io,
  options: { rttMs?: number } = {},
): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eliza-doctor-demo-'));
  const pki = createSimPki();
  const token = simToken();
  const world = await startScenarioWorld(scenario, { pki, token, ...options });
  const { sim } = world;
  try {
    const invocation = invocationFor(scenario, sim, pki, token, dir, await closedPort(), {
      timeoutGiven: passThrough.includes('--timeout'),
      proxyUrl: world.proxy?.url,
      gatewayPort: world.gatewayPort,
    });
    for (const [file, content] of Object.entries(invocation.files)) writeFileSync(file, content);
    const home = path.join(dir, 'home');
    mkdirSync(home);
    if (!passThrough.includes('--json')) {
      io.err(
        `demo: scenario "${scenario.name}": ${scenario.description}\n` +
          `demo: loopback gateway on 127.0.0.1:${sim.port} posing as api.eliza.yandex.net, with a CA made for this run\n` +
          (world.relay
            ? `demo: reached through a relay on 127.0.0.1:${world.relay.port} that adds ${options.rttMs} ms of round trip\n\n`
            : '\n'),
      );
    }
    // Ctrl-C reaches the child too (one process group): it reports what it has, then exits.
    // This process waits for that, rather than dying first and leaving the child's report
    // to land after the shell's prompt.
    const stopWaiting = io.onInterrupt(() => undefined);
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(io.self.execPath, [io.self.script, 'check', ...invocation.args, ...passThrough], {
          stdio: 'inherit',
          env: { ...passThroughEnv(io.host.env), HOME: home, ...invocation.env },
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 3)));
      });
    } finally {
      stopWaiting();
    }
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The demo shows the scenario, not this machine: no token, CA or proxy variables of the user's. */
function passThroughEnv(from: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const keep = [
    'PATH',
    'TERM',
    'COLORTERM',
    'NO_COLOR',
    'FORCE_COLOR',
    'CI',
    'LANG',
    'LC_ALL',
    'SHELL',
    'TMPDIR',
    'COLUMNS',
  ];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
