import type { Check } from '../src/engine/types.ts';
import { caBundleCheck } from './ca-bundle.ts';
import { clientClaudeCodeCheck } from './client-claude-code.ts';
import { clientCodexCheck } from './client-codex.ts';
import { clientPythonCheck } from './client-python.ts';
import { clientVscodeCheck } from './client-vscode.ts';
import { dnsCheck } from './dns.ts';
import { environmentCheck } from './environment.ts';
import { insecureSettingsCheck } from './insecure-settings.ts';
import { modelsCheck } from './models.ts';
import { roundTripCheck } from './round-trip.ts';
import { schemeCheck } from './scheme.ts';
import { streamCheck } from './stream.ts';
import { tcpCheck } from './tcp.ts';
import { tlsCheck } from './tls.ts';
import { tokenCheck } from './token.ts';
import { trustNodeCheck } from './trust-node.ts';
import { trustPythonCheck } from './trust-python.ts';
import { trustSystemCheck } from './trust-system.ts';

/** Report order: the order of `eliza-doctor list` and of the JSON document. */
export const registry: readonly Check[] = [
  environmentCheck,
  schemeCheck,
  dnsCheck,
  tcpCheck,
  tlsCheck,
  caBundleCheck,
  trustNodeCheck,
  trustPythonCheck,
  trustSystemCheck,
  insecureSettingsCheck,
  tokenCheck,
  modelsCheck,
  roundTripCheck,
  streamCheck,
  clientClaudeCodeCheck,
  clientCodexCheck,
  clientVscodeCheck,
  clientPythonCheck,
];
