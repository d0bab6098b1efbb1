import { defineCommand } from '../cli/command.ts';
import { RUN_FLAGS, toArgs } from '../cli/flags.ts';
import { parseRtt } from '../config.ts';
import { SCENARIOS, scenarioByName } from '../sim/scenarios.ts';

export const demoCommand = defineCommand({
  names: ['demo'],
  describe: 'run the diagnosis against a built-in gateway on loopback (no network needed)',
  flags: [...RUN_FLAGS, 'scenario', 'rtt'],
  choices: { scenario: SCENARIOS.map((s) => s.name) },
  epilogue: `Scenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(18)} ${s.description}`).join('\n')}`,
  async run(options, io) {
    const rttMs = parseRtt(options.rtt);
    const { runDemoScenario } = await import('../sim/demo.ts');
    // yargs has checked the name against the scenarios (choices), so it is there.
    const scenario = scenarioByName(options.scenario ?? 'healthy')!;
    return runDemoScenario(scenario, toArgs(options, RUN_FLAGS), io, { rttMs });
  },
});
