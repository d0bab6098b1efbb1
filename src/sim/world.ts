import { type GatewayBehaviour, type SimGateway, startSimGateway } from './gateway.ts';
import type { SimPki } from './pki.ts';
import { type SimProxy, startSimProxy } from './proxy.ts';
import type { Scenario } from './scenarios.ts';

/** What a scenario runs on loopback: the gateway, and the proxy in front of it if it has one. */
export interface ScenarioWorld {
  sim: SimGateway;
  proxy: SimProxy | null;
  close(): Promise<void>;
}

export async function startScenarioWorld(
  scenario: Scenario,
  options: { pki: SimPki; token: string; behaviour?: Partial<GatewayBehaviour> },
): Promise<ScenarioWorld> {
  const sim = await startSimGateway({
    pki: options.pki,
    token: options.token,
    behaviour: { ...scenario.behaviour, ...options.behaviour },
  });
  const proxy = scenario.proxy
    ? await startSimProxy({
        ...scenario.proxy,
        upstream: () => ({ host: '127.0.0.1', port: sim.port }),
      })
    : null;
  return {
    sim,
    proxy,
    async close() {
      await proxy?.close();
      await sim.close();
    },
  };
}
