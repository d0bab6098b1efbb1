import type { Host } from '../host.ts';

export interface Target {
  address: string;
  port: number;
  host: string;
}

export interface HandshakeVerdict {
  /** null when the probe itself could not run (no such program, a crash, the bound). */
  authorized: boolean | null;
  error: string | null;
  /** What the runtime printed on stderr (Node's warnings about NODE_EXTRA_CA_CERTS live there). */
  warnings: string[];
}

const NODE_PROBE = `
const tls = require('node:tls');
const [address, port, servername] = process.argv.slice(1);
const socket = tls.connect({ host: address, port: Number(port), servername, rejectUnauthorized: false }, () => {
  const e = socket.authorizationError;
  process.stdout.write(JSON.stringify({ authorized: socket.authorized, error: e ? String(e.code || e) : null }));
  socket.destroy();
});
socket.on('error', (e) => process.stdout.write(JSON.stringify({ authorized: null, error: 'connect: ' + (e.code || e.message) })));
`;

/**
 * A brand-new Node process with the given environment handshakes with the gateway: the only
 * honest test of NODE_EXTRA_CA_CERTS, which Node reads once, at start-up.
 */
export async function freshNodeHandshake(
  host: Host,
  env: Record<string, string | undefined>,
  target: Target,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HandshakeVerdict> {
  const result = await host.exec(
    host.nodePath,
    ['-e', NODE_PROBE, target.address, String(target.port), target.host],
    {
      env: { ...env, NODE_OPTIONS: env.NODE_OPTIONS },
      timeoutMs,
      ...(signal ? { signal } : {}),
    },
  );
  return parseVerdict(result.stdout, result.stderr, result.timedOut, result.error);
}

const PYTHON_PROBE = `
import json, os, socket, ssl, sys
address, port, server_name, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
out = {"version": sys.version.split()[0]}
try:
    import certifi
    out["certifi"] = certifi.where()
except Exception:
    out["certifi"] = None
try:
    # The version without importing requests, which alone takes longer than the handshake.
    from importlib.metadata import version
    out["requests"] = version("requests")
except Exception:
    out["requests"] = None
paths = ssl.get_default_verify_paths()
out["openssl_cafile"] = paths.cafile
def attempt(make):
    try:
        context = make()
    except Exception as e:
        return {"authorized": None, "error": "bundle: " + str(e)}
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            with context.wrap_socket(sock, server_hostname=server_name):
                return {"authorized": True, "error": None}
    except ssl.SSLCertVerificationError as e:
        return {"authorized": False, "error": e.verify_message}
    except ssl.SSLError as e:
        return {"authorized": False, "error": e.reason or str(e)}
    except Exception as e:
        return {"authorized": None, "error": "connect: " + type(e).__name__}
out["ssl_default"] = attempt(ssl.create_default_context)
bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or out["certifi"]
out["requests_bundle"] = bundle
if bundle:
    if os.path.isdir(bundle):
        out["requests_way"] = attempt(lambda: ssl.create_default_context(capath=bundle))
    else:
        out["requests_way"] = attempt(lambda: ssl.create_default_context(cafile=bundle))
else:
    out["requests_way"] = None
print(json.dumps(out))
`;

export interface PythonProbe {
  version: string;
  certifi: string | null;
  requests: string | null;
  opensslCafile: string | null;
  sslDefault: HandshakeVerdict;
  requestsBundle: string | null;
  requestsWay: HandshakeVerdict | null;
}

/** Both ways Python code verifies: as requests does (certifi or REQUESTS_CA_BUNDLE) and as ssl does. */
export async function pythonHandshake(
  host: Host,
  python: string,
  env: Record<string, string | undefined>,
  target: Target,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<PythonProbe | { error: string }> {
  const result = await host.exec(
    python,
    ['-c', PYTHON_PROBE, target.address, String(target.port), target.host, String(timeoutMs / 1000)],
    { env, timeoutMs: timeoutMs + 1000, ...(signal ? { signal } : {}) },
  );
  if (result.error) return { error: `${python} could not start (${result.error})` };
  if (result.timedOut) return { error: `${python} did not finish within ${timeoutMs + 1000} ms` };
  try {
    const o = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
    const verdict = (
      v: { authorized: boolean | null; error: string | null } | null,
    ): HandshakeVerdict | null => (v ? { authorized: v.authorized, error: v.error, warnings: [] } : null);
    return {
      version: String(o.version),
      certifi: o.certifi ?? null,
      requests: o.requests ?? null,
      opensslCafile: o.openssl_cafile ?? null,
      sslDefault: verdict(o.ssl_default)!,
      requestsBundle: o.requests_bundle ?? null,
      requestsWay: verdict(o.requests_way),
    };
  } catch {
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    return { error: `${python} failed${last ? `: ${last.slice(0, 200)}` : ''}` };
  }
}

function parseVerdict(
  stdout: string,
  stderr: string,
  timedOut: boolean,
  error: string | null,
): HandshakeVerdict {
  const warnings = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('(Use `node --trace-warnings'));
  if (error) return { authorized: null, error: `could not start: ${error}`, warnings };
  if (timedOut) return { authorized: null, error: 'timed out', warnings };
  try {
    const o = JSON.parse(stdout);
    return { authorized: o.authorized, error: o.error, warnings };
  } catch {
    return { authorized: null, error: 'no answer from the probe', warnings };
  }
}
