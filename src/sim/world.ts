import { type GatewayBehaviour, type SimGateway, startSimGateway } from './gateway.ts';
import type { SimPki } from './pki.ts';
import { type SimProxy, startSimProxy } from './proxy.ts';
import { type LatencyRelay, startLatencyRelay } from './relay.ts';
import type { Scenario } from './scenarios.ts';

/**
 * What a scenario runs on loopback: the gateway, the latency relay in front of it when it is to
 * be far away, and the proxy in front of those if the scenario has one.
 */
export interface ScenarioWorld {
  sim: SimGateway;
  relay: LatencyRelay | null;
  /** The port clients reach the gateway's TLS port at: the relay's when there is one. */
  gatewayPort: number;
  proxy: SimProxy | null;
  close(): Promise<void>;
}

export async function startScenarioWorld(
  scenario: Scenario,
  options: {
    pki: SimPki;
    token: string;
    behaviour?: Partial<GatewayBehaviour>;
    /** Round trip the relay adds between clients and the gateway; 0 or absent: no relay. */
    rttMs?: number;
  },
): Promise<ScenarioWorld> {
  const sim = await startSimGateway({
    pki: options.pki,
    token: options.token,
    behaviour: { ...scenario.behaviour, ...options.behaviour },
  });
  const relay = options.rttMs
    ? await startLatencyRelay({ target: { host: '127.0.0.1', port: sim.port }, rttMs: options.rttMs })
    : null;
  const gatewayPort = relay?.port ?? sim.port;
  const proxy = scenario.proxy
    ? await startSimProxy({
        ...scenario.proxy,
        upstream: () => ({ host: '127.0.0.1', port: gatewayPort }),
      })
    : null;
  return {
    sim,
    relay,
    gatewayPort,
    proxy,
    async close() {
      await proxy?.close();
      await relay?.close();
      await sim.close();
    },
  };
}
