/**
 * What each check finds, as data: the `data` of its result, read by the checks that need it, by
 * `fix` and by the reports. A leaf module, so that src/ never imports from checks/.
 */
import type { Code } from './codes.ts';
import type { QuotaFamily } from './eliza/quota.ts';
import type { Address } from './net/index.ts';
import type { CertInfo } from './pki/cert.ts';
import type { Timings } from './timings.ts';
import type { HandshakeVerdict } from './trust/probes.ts';
import type { SystemStore } from './trust/system.ts';

export interface EnvironmentFacts {
  node: string;
  platform: string;
  osRelease: string;
  arch: string;
  shell: string | null;
  token: { source: string; length: number; prefix: string | null } | null;
  tokenSources: string[];
  proxy: { variable: string; url: string } | null;
}
export interface SchemeFacts {
  baseUrl: string;
  httpsUrl: string;
  /** What an http:// request did, when the base URL is http://. */
  httpProbe: string | null;
  httpsProbe: string | null;
  sdkVariables: { name: string; value: string; expected: string; verdict: string }[];
}
export interface DnsFacts {
  /** The name looked up: the gateway's, or the proxy's when traffic goes through one. */
  host: string;
  route: string;
  addresses: Address[];
  overridden: boolean;
  ms: number;
}
export interface TcpAttempt extends Address {
  ok: boolean;
  ms: number;
  cause: string | null;
}
export interface TcpFacts {
  port: number;
  attempts: TcpAttempt[];
  /** Those that connected, fastest first: later checks use the first. */
  working: Address[];
}
export interface TlsFacts {
  address: string;
  protocol: string | null;
  cipher: string | null;
  alpn: string | null;
  /** As the gateway sent it, leaf first. */
  presented: CertInfo[];
  /** The path the doctor built, leaf to root. */
  path: CertInfo[];
  anchor: 'internal' | 'public' | null;
  supplied: CertInfo[];
  leafDaysLeft: number | null;
  timings: Timings;
}
export interface CaBundleFacts {
  /** Where the verified bundle came from. */
  source: { kind: 'file' | 'download'; label: string; location: string } | null;
  roots: CertInfo[];
  certs: CertInfo[];
  dropped: { cert: CertInfo; reason: string }[];
  /** The verified certificates, PEM; what the doctor trusts and what `fix` installs. */
  pem: string | null;
  looked: string[];
}
export interface TrustNodeFacts {
  /** This shell's value, and what this very process's handshake said. */
  current: { value: string | null; loaded: CertInfo[]; authorized: boolean | null; error: string | null };
  /** What a new terminal gets: the startup files' value and a fresh Node process's handshake. */
  newTerminal: {
    value: string | null;
    from: string | null;
    authorized: boolean | null;
    error: string | null;
    warnings: string[];
  };
}
export interface TrustPythonFacts {
  python: string | null;
  version: string | null;
  certifi: string | null;
  requests: string | null;
  /** The bundle requests would use, and the verdicts of both ways of verifying. */
  requestsBundle: string | null;
  requestsWay: HandshakeVerdict | null;
  sslDefault: HandshakeVerdict | null;
  variables: { name: string; value: string; verdict: string }[];
}
export interface TrustSystemFacts {
  store: SystemStore;
  curl: { path: string; trusted: boolean | null; detail: string } | null;
  git: { path: string; caFile: string | null; trusted: boolean | null } | null;
}
export interface InsecureFinding {
  code: Code;
  where: string;
  text: string;
  undo: string;
}
export interface InsecureFacts {
  findings: InsecureFinding[];
}
export interface TokenFacts {
  source: string | null;
  /** The token as `gh auth status` shows it: `y0_****`, never more than three characters. */
  masked: string | null;
  /** When the token used is rejected: another token variable whose token the gateway accepts. */
  working: string | null;
  pool: string | null;
  status: number | null;
  quota: QuotaFamily[] | null;
  ms: number | null;
}
export interface ModelsFacts {
  count: number | null;
  model: string;
  listed: boolean | null;
  closest: string[];
}
export interface RoundTripFacts {
  model: string;
  status: number | null;
  timings: Timings | null;
  finishReason: string | null;
}

/** Each check id and the facts its result carries: what `ctx.result(id)` gives, typed. */
export interface FactsById {
  environment: EnvironmentFacts;
  scheme: SchemeFacts;
  dns: DnsFacts;
  tcp: TcpFacts;
  tls: TlsFacts;
  'ca-bundle': CaBundleFacts;
  'trust-node': TrustNodeFacts;
  'trust-python': TrustPythonFacts;
  'trust-system': TrustSystemFacts;
  'insecure-settings': InsecureFacts;
  token: TokenFacts;
  models: ModelsFacts;
  'round-trip': RoundTripFacts;
}

export type CheckId = keyof FactsById;
