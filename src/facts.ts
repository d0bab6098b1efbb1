/**
 * What each check finds, as data: the `data` of its result, read by the checks that need it, by
 * `fix` and by the reports. A leaf module, so that src/ never imports from checks/.
 */
import type { ClaudeCodeFacts } from './clients/claude-code.ts';
import type { LibraryVerdict } from './clients/python.ts';
import type { ClientFacts } from './clients/types.ts';
import type { Code } from './codes.ts';
import type { QuotaFamily } from './eliza/quota.ts';
import type { Address } from './net/index.ts';
import type { JavaFacts } from './onboard/java.ts';
import type { GuiAppsFacts } from './onboard/macos.ts';
import type { WindowsStoreAdvice } from './onboard/where.ts';
import type { CertInfo } from './pki/cert.ts';
import type { ContainerFacts, WslFacts } from './platform.ts';
import type { Timings } from './timings.ts';
import type { HandshakeVerdict } from './trust/probes.ts';
import type { SystemStore } from './trust/system.ts';
import type { ShellStatus } from './trust/terminal.ts';

export interface EnvironmentFacts {
  node: string;
  platform: string;
  osRelease: string;
  arch: string;
  shell: string | null;
  token: { source: string; length: number; prefix: string | null } | null;
  tokenSources: string[];
  proxy: { variable: string; url: string } | null;
  /** Set in a container: a fix made inside lasts only as long as the container. */
  container: ContainerFacts | null;
  /** Set under WSL, with the command that adds the CA to the Windows store. */
  wsl: (WslFacts & { windows: WindowsStoreAdvice }) | null;
  /** PRETTY_NAME of /etc/os-release on Linux. */
  distribution: string | null;
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
  /**
   * The longest this process held its own event loop while the handshake ran: connect and TLS
   * may read up to this much long (null when no handshake finished).
   */
  busyMs: number | null;
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
  /**
   * What a new terminal of the login shell gets (the shell itself asked; its startup files read when
   * it does not answer) and a fresh Node process's handshake with it.
   */
  newTerminal: {
    value: string | null;
    /** The file and line that set it, as far as reading the startup files can tell. */
    from: string | null;
    /** `shell`: the login shell answered; `startup-files`: it did not, the files were read instead. */
    source: 'shell' | 'startup-files';
    authorized: boolean | null;
    error: string | null;
    warnings: string[];
    /** Each shell the user has, as a new terminal starts it (the login shell both ways). */
    shells: {
      shell: string;
      login: boolean;
      status: ShellStatus;
      value: string | null;
      note: string | null;
    }[];
    /** Startup files with CRLF line endings. */
    crlf: string[];
  };
  /** macOS: what apps started from the Dock get (launchctl getenv); null elsewhere. */
  guiApps: GuiAppsFacts | null;
}
export interface TrustPythonFacts {
  python: string | null;
  /** The interpreter that ran for it (a pyenv shim's version, for one); null when it did not say. */
  executable: string | null;
  version: string | null;
  certifi: string | null;
  requests: string | null;
  /** The bundle requests would use, and the verdicts of both ways of verifying. */
  requestsBundle: string | null;
  requestsWay: HandshakeVerdict | null;
  sslDefault: HandshakeVerdict | null;
  variables: { name: string; value: string; verdict: string }[];
}
export interface ClientPythonFacts extends ClientFacts {
  python: string | null;
  version: string | null;
  /** Each installed library, with the CAs it verifies with and its handshake's verdict. */
  libraries: LibraryVerdict[];
  /** Each SDK the environment points at Eliza, and its verdict. */
  sdks: { client: string; status: string; code: Code | null }[];
}
export interface TrustSystemFacts {
  store: SystemStore;
  curl: { path: string; trusted: boolean | null; detail: string } | null;
  git: { path: string; caFile: string | null; trusted: boolean | null } | null;
  /** Where java or keytool is found: whether its cacerts holds the root (reported, not judged). */
  java: JavaFacts | null;
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
  /** Every model GET /v1/models lists: what client checks judge a client's model against. */
  ids: string[] | null;
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

export interface StreamFacts {
  /** The wire API the probe spoke, and where. */
  api: string;
  path: string;
  model: string;
  status: number | null;
  /** Measured on the wire, in ms from the start of the request; null when no stream began. */
  stream: {
    headersMs: number;
    firstEventMs: number | null;
    lastEventMs: number | null;
    events: number;
    reads: number;
    /** `content-encoding`, when not identity. */
    encoding: string | null;
    /** The wire API's terminator arrived (`data: [DONE]`, `message_stop`, `response.completed`). */
    terminated: boolean;
  } | null;
  /** How the stream ended: terminator, closed, reset, stalled, error-event, malformed, not-sse, status. */
  end: string | null;
  headers: {
    contentType: string | null;
    contentEncoding: string | null;
    transferEncoding: string | null;
    contentLength: string | null;
    cacheControl: string | null;
  } | null;
}

/** One client of a family (a Continue model, a Cline provider) as its check judged it. */
export interface ClientJudgement {
  client: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  code: Code | null;
  summary: string;
}
export interface VscodeFacts extends ClientFacts {
  clients: ClientJudgement[];
  /** The Continue models `fix` edits in config.yaml, and how. */
  continueFix: {
    file: string;
    models: { index: number; ca: boolean; apiBase: string | null; verifyOn: boolean }[];
  } | null;
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
  stream: StreamFacts;
  'client-claude-code': ClaudeCodeFacts;
  'client-codex': ClientFacts;
  'client-vscode': VscodeFacts;
  'client-python': ClientPythonFacts;
}

export type CheckId = keyof FactsById;
