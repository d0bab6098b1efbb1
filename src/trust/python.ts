/**
 * One python3 child per run answers both Python checks: trust-python's probe (as requests and as
 * ssl verify) and client-python's (each installed library's own TLS context). Starting python3 is
 * most of either probe's cost (behind a version manager's shim, a chain of shells: a second and
 * more on a loaded machine, which src/trust/pyenv.ts sees through where it can), and the two ran
 * side by side on the same cores; now the interpreter starts once per run, as soon as the new
 * terminal's environment is read (tcp still connecting), and each part is printed, and read, as
 * soon as it is done.
 */
import { NEUTRAL_CWD, pythonProbeEnv } from '../child-env.ts';
import {
  PYTHON_CLIENTS_PROBE,
  PYTHON_IMPORT_ALLOWANCE_MS,
  type PythonClientsProbe,
  parsePythonClientsProbe,
} from '../clients/python-probe.ts';
import { PROGRAM_START_ALLOWANCE_MS } from '../engine/allowance.ts';
import type { ExecResult, Host } from '../host.ts';
import { type EarlyTarget, type HandshakeVerdict, PYTHON_PROBE, PYTHON_USER_SITE } from './probes.ts';
import { interpreterFor } from './pyenv.ts';

export interface PythonProbe {
  version: string;
  /** The interpreter that ran: behind a version manager's shim, the version's own. */
  executable: string | null;
  certifi: string | null;
  requests: string | null;
  opensslCafile: string | null;
  sslDefault: HandshakeVerdict;
  requestsBundle: string | null;
  requestsWay: HandshakeVerdict | null;
}

type Part = 'trust' | 'clients';
type Failed = { error: string };

/**
 * argv: trustCode clientsCode; stdin: one line, the job as JSON (an empty line: nothing to do).
 * The interpreter starts while tcp still connects: the job brings the address once it is known,
 * the parts wanted, where and how to connect, and a proxy's credential (never on argv, nor in the
 * environment the interpreter starts with). Each part runs as a script of its own
 * (its own globals, its arguments in probe_args), in a thread of its own: one part's handshakes
 * wait on the network while the other imports its libraries. Each answer goes out as
 * `part <json>` as soon as it is ready, on a stdout of the driver's own: what a library prints
 * goes to stderr, never into an answer. A part that raises answers `{"error": ...}`.
 */
const DRIVER = `
import json, os, site, sys, threading, traceback
${PYTHON_USER_SITE}
answers = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr
trust_code, clients_code = sys.argv[1:3]
line = sys.stdin.readline().strip()
job = json.loads(line) if line else None
printing = threading.Lock()
def run(name, code, probe_args):
    def answer(text):
        with printing:
            answers.write(name + " " + text + "\\n")
            answers.flush()
    try:
        exec(compile(code, "<" + name + " probe>", "exec"), {"__name__": "__main__", "probe_args": probe_args, "answer": answer})
    except BaseException as e:
        traceback.print_exc()
        answer(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
if job:
    if job["proxyAuth"]:
        os.environ["ELIZA_DOCTOR_PROXY_AUTH"] = job["proxyAuth"]
    gateway_port = str(job["gatewayPort"]) if job["gatewayPort"] else "-"
    common = [str(job["timeout"]), job["address"], str(job["port"]), job["serverName"], gateway_port]
    parts = {"trust": (trust_code, common), "clients": (clients_code, common + ["1" if job["langchain"] else "0"])}
    threads = [threading.Thread(target=run, args=(name,) + parts[name]) for name in job["parts"] if name in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
# Every answer is out: the interpreter's own teardown (modules, OpenSSL, threads) would add tens of
# ms to a run that waits for this process to end.
answers.flush()
sys.stderr.flush()
os._exit(0)
`;

/** What a session asks of its interpreter, but for the address (known later) and the parts. */
interface JobParams {
  timeout: number;
  port: number;
  serverName: string;
  gatewayPort: number | null;
  proxyAuth: string | null;
}

/** A started python3 waiting on stdin for its job. */
interface Child {
  /** The job line it waits for; '' (or a rejection): nothing to do. */
  feed(job: Promise<string>): void;
  listen(onLine: (line: string) => void): void;
  /** What ran: the interpreter a pyenv shim stands for, once known, or python3 as found. */
  ended: Promise<ExecResult & { ran: string }>;
  stop: AbortController;
  boundMs: number;
}

interface Session {
  wanted: Set<Part>;
  /** The parts wanted were sent: a part asked for later needs a child of its own. */
  sealed: boolean;
  /** Asked by client-python, whose langchain-openai way depends on it. */
  langchainProxy: boolean;
  answers: Record<Part, Promise<string | Failed>>;
  /** Consumers whose signal has not fired; the child is killed when the last one's does. */
  live: number;
  stop: AbortController;
  ended: Promise<void>;
}

const sessions = new WeakMap<Host, Map<string, Session>>();

/** Both ways Python code verifies: as requests does (certifi or REQUESTS_CA_BUNDLE) and as ssl does. */
export async function pythonHandshake(
  host: Host,
  python: string,
  env: Record<string, string | undefined>,
  target: EarlyTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PythonProbe | Failed> {
  const answer = await ask(host, python, env, target, { timeoutMs, signal }, 'trust');
  if (typeof answer !== 'string') return answer;
  return partFailure(python, 'trust', answer) ?? parseTrustAnswer(answer) ?? notTheAnswer(python);
}

/** Which HTTP and AI libraries the user's Python has, and whether each one's TLS context trusts the gateway. */
export async function probePythonClients(
  host: Host,
  python: string,
  env: Readonly<Record<string, string | undefined>>,
  target: EarlyTarget,
  options: { timeoutMs: number; langchainProxy: boolean; signal?: AbortSignal },
): Promise<PythonClientsProbe | Failed> {
  const answer = await ask(host, python, env, target, options, 'clients');
  if (typeof answer !== 'string') return answer;
  return partFailure(python, 'clients', answer) ?? parsePythonClientsProbe(answer) ?? notTheAnswer(python);
}

const notTheAnswer = (python: string): Failed => ({
  error: `${python} answered what is not the probe's answer`,
});

/** What a part that raised said of it. */
function partFailure(python: string, part: Part, answer: string): Failed | null {
  try {
    const o = JSON.parse(answer);
    if (typeof o?.error === 'string' && typeof o.version !== 'string')
      return { error: `${python} failed in the ${part} probe: ${o.error.slice(0, 200)}` };
  } catch {
    // Not JSON at all: the parsers say so.
  }
  return null;
}

/** What each part may take: trust's as when it was a child of its own, the clients' imports more. */
function partBoundMs(part: Part, timeoutMs: number): number {
  return timeoutMs + (part === 'trust' ? PROGRAM_START_ALLOWANCE_MS : PYTHON_IMPORT_ALLOWANCE_MS);
}

function ask(
  host: Host,
  python: string,
  env: Readonly<Record<string, string | undefined>>,
  target: EarlyTarget,
  options: { timeoutMs: number; langchainProxy?: boolean; signal?: AbortSignal | undefined },
  part: Part,
): Promise<string | Failed> {
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve({ error: 'not run: interrupted' });
  const startEnv = pythonProbeEnv(env);
  const params: JobParams = {
    timeout: options.timeoutMs / 1000,
    port: target.port,
    serverName: target.host,
    gatewayPort: target.gatewayPort ?? null,
    proxyAuth: target.proxyAuthorization ?? null,
  };
  const key = JSON.stringify([python, startEnv, params]);
  const byKey = sessions.get(host) ?? new Map<string, Session>();
  sessions.set(host, byKey);
  let session = byKey.get(key);
  if (!session || session.stop.signal.aborted || (session.sealed && !session.wanted.has(part))) {
    const child = spawn(host, python, startEnv, childBoundMs(options.timeoutMs));
    const started = start(child, params, target);
    byKey.set(key, started);
    // Gone with its child: a later run in this process (a test's) asks a python3 of its own.
    void started.ended.then(() => {
      if (byKey.get(key) === started) byKey.delete(key);
    });
    session = started;
  }
  session.wanted.add(part);
  if (part === 'clients') session.langchainProxy = options.langchainProxy === true;
  // A consumer without a signal never leaves: the child then ends by its own bound.
  session.live++;
  const mine = session;
  const leave = () => {
    if (--mine.live === 0) mine.stop.abort();
  };
  signal?.addEventListener('abort', leave, { once: true });
  const bound = partBoundMs(part, options.timeoutMs);
  return within(mine.answers[part], bound, `${python} did not finish within ${bound} ms`);
}

/** What the interpreter may take in all: starting, importing every library, the handshakes. */
function childBoundMs(timeoutMs: number): number {
  return timeoutMs + PYTHON_IMPORT_ALLOWANCE_MS;
}

function spawn(host: Host, python: string, env: Record<string, string>, boundMs: number): Child {
  let fed: (job: Promise<string>) => void = () => {};
  const input = new Promise<string>((resolve) => {
    fed = (job) => resolve(job.catch(() => '\n'));
  });
  let listener: (line: string) => void = () => {};
  const stop = new AbortController();
  // Behind a pyenv shim, the interpreter it would run (src/trust/pyenv.ts).
  let ran = python;
  const ended = interpreterFor(host, python, env)
    .then((interpreter) => {
      ran = interpreter.file;
      return host.exec(interpreter.file, ['-I', '-c', DRIVER, PYTHON_PROBE, PYTHON_CLIENTS_PROBE], {
        env: interpreter.env,
        input,
        cwd: NEUTRAL_CWD,
        timeoutMs: boundMs,
        signal: stop.signal,
        onLine: (line) => listener(line),
      });
    })
    .catch(
      (error: unknown): ExecResult => ({
        code: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        error: String(error),
      }),
    )
    .then((result) => ({ ...result, ran }));
  return {
    feed: (job) => fed(job),
    listen: (onLine) => {
      listener = onLine;
    },
    ended,
    stop,
    boundMs,
  };
}

function start(child: Child, params: JobParams, target: EarlyTarget): Session {
  const heard: Partial<Record<Part, (answer: string | Failed) => void>> = {};
  const answers = {
    trust: new Promise<string | Failed>((resolve) => (heard.trust = resolve)),
    clients: new Promise<string | Failed>((resolve) => (heard.clients = resolve)),
  };
  let ended = () => {};
  const session: Session = {
    wanted: new Set(),
    sealed: false,
    langchainProxy: false,
    answers,
    live: 0,
    stop: new AbortController(),
    ended: new Promise<void>((resolve) => (ended = resolve)),
  };
  session.stop.signal.addEventListener('abort', () => child.stop.abort(), { once: true });
  const onLine = (line: string) => {
    const space = line.indexOf(' ');
    const part = line.slice(0, space);
    if (part === 'trust' || part === 'clients') heard[part]!(line.slice(space + 1));
  };
  child.listen(onLine);
  // The parts are decided when the address is known: by then both checks have asked (they start
  // with the run and ask once the startup files are read, while tcp still connects).
  child.feed(
    (typeof target.address === 'string' ? Promise.resolve(target.address) : target.address).then(
      (address) => {
        session.sealed = true;
        const job = { ...params, address, parts: [...session.wanted], langchain: session.langchainProxy };
        return `${JSON.stringify(job)}\n`;
      },
      () => {
        session.sealed = true;
        return '\n';
      },
    ),
  );
  const failBoth = (failed: Failed) => {
    heard.trust!(failed);
    heard.clients!(failed);
    ended();
  };
  void child.ended.then((result) => {
    // A host that does not stream lines (or the last line without its newline): from stdout.
    for (const line of result.stdout.split('\n')) onLine(line.trim());
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    failBoth(
      result.error
        ? { error: `${result.ran} could not start (${result.error})` }
        : result.timedOut
          ? { error: `${result.ran} did not finish within ${child.boundMs} ms` }
          : { error: `${result.ran} failed${last ? `: ${last.slice(0, 200)}` : ''}` },
    );
  });
  return session;
}

function within<T>(promise: Promise<T>, ms: number, error: string): Promise<T | Failed> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Failed>((resolve) => {
    timer = setTimeout(() => resolve({ error }), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function parseTrustAnswer(answer: string): PythonProbe | null {
  try {
    const o = JSON.parse(answer);
    if (typeof o?.version !== 'string' || typeof o.ssl_default !== 'object' || o.ssl_default === null)
      return null;
    const verdict = (
      v: { authorized: boolean | null; error: string | null } | null,
    ): HandshakeVerdict | null => (v ? { authorized: v.authorized, error: v.error, warnings: [] } : null);
    return {
      version: o.version,
      executable: typeof o.executable === 'string' && o.executable ? o.executable : null,
      certifi: o.certifi ?? null,
      requests: o.requests ?? null,
      opensslCafile: o.openssl_cafile ?? null,
      sslDefault: verdict(o.ssl_default)!,
      requestsBundle: o.requests_bundle ?? null,
      requestsWay: verdict(o.requests_way),
    };
  } catch {
    return null;
  }
}
