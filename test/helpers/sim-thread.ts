/**
 * A loopback gateway on a thread of its own, for tests that hold the test's thread: one in the
 * same thread would be held too, and send nothing meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimGateway } from '../../src/sim/gateway.ts';
import { createSimPki } from '../../src/sim/pki.ts';

const pki = createSimPki();
const sim = await startSimGateway({ pki, token: workerData.token, behaviour: workerData.behaviour });
parentPort!.postMessage({ port: sim.port, bundlePem: pki.bundlePem });
parentPort!.once('message', () => void sim.close().then(() => process.exit(0)));
