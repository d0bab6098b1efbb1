import { NEUTRAL_CWD, nodeProbeEnv } from '../child-env.ts';
import type { Host } from '../host.ts';

/** Where to connect (the gateway, or a proxy when `gatewayPort` is set) and the name to verify. */
export interface ProbeTarget {
  address: string;
  port: number;
  host: string;
  /** Set when address:port is a proxy to tunnel through to host:gatewayPort. */
  gatewayPort?: number;
  proxyAuthorization?: string | null;
}

/**
 * A target whose address is still being found (tcp tries them): the probes' programs start at once
 * and read the address on stdin when it is known, so that starting them (python3 through a version
 * manager's shim: a second and more) overlaps the network checks instead of following them.
 */
export type EarlyTarget = Omit<ProbeTarget, 'address'> & { address: string | Promise<string> };

// Not argv: the address comes on stdin (see EarlyTarget).
function probeArgs(target: EarlyTarget): string[] {
  return [String(target.port), target.host, ...(target.gatewayPort ? [String(target.gatewayPort)] : [])];
}

/** The address as the probe reads it, one line; an empty line (no address after all) ends the probe. */
function addressInput(target: EarlyTarget): string | Promise<string> {
  const line = (address: string) => `${address}\n`;
  return typeof target.address === 'string' ? line(target.address) : target.address.then(line, () => '');
}

function withProxyAuth(env: Record<string, string>, target: EarlyTarget): Record<string, string> {
  return target.proxyAuthorization ? { ...env, ELIZA_DOCTOR_PROXY_AUTH: target.proxyAuthorization } : env;
}

export interface HandshakeVerdict {
  /** null when the probe itself could not run (no such program, a crash, the bound). */
  authorized: boolean | null;
  error: string | null;
  /** What the runtime printed on stderr (Node's warnings about NODE_EXTRA_CA_CERTS live there). */
  warnings: string[];
}

// argv: port servername [gatewayPort], the address a line on stdin; with gatewayPort, address:port
// is a proxy asked to CONNECT (its Proxy-Authorization, if any, comes in ELIZA_DOCTOR_PROXY_AUTH,
// never on argv).
/**
 * Python: a socket to address:port, or through the proxy there (a CONNECT to the gateway) when
 * gateway_port is set; the probes that handshake from Python share it.
 */
export const PYTHON_OPEN_SOCKET = `def open_socket():
    sock = socket.create_connection((address, port), timeout=timeout)
    if gateway_port is None:
        return sock
    request = "CONNECT %s:%d HTTP/1.1\\r\\nHost: %s:%d\\r\\n" % (server_name, gateway_port, server_name, gateway_port)
    if os.environ.get("ELIZA_DOCTOR_PROXY_AUTH"):
        request += "Proxy-Authorization: %s\\r\\n" % os.environ["ELIZA_DOCTOR_PROXY_AUTH"]
    sock.sendall((request + "\\r\\n").encode())
    answer = b""
    while b"\\r\\n\\r\\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError("the proxy closed the tunnel")
        answer += chunk
    status = answer.split(b" ", 2)[1]
    if status != b"200":
        raise OSError("proxy: HTTP " + status.decode())
    return sock
`;

/** Python, after `import os, site, sys`: under -I, the user's own site-packages put back in place. */
export const PYTHON_USER_SITE = `# -I leaves out the user's own site-packages (pip install --user puts certifi and requests there):
# put it back where python3 without -I has it, before the system's, as it does outside a venv.
if sys.prefix == sys.base_prefix and os.path.isdir(site.getusersitepackages()):
    before = len(sys.path)
    site.addsitedir(site.getusersitepackages())
    added = sys.path[before:]
    del sys.path[before:]
    at = next((i for i, p in enumerate(sys.path) if p.endswith(("site-packages", "dist-packages"))), len(sys.path))
    sys.path[at:at] = added`;

const NODE_PROBE = `
const tls = require('node:tls');
const http = require('node:http');
const [port, servername, gatewayPort] = process.argv.slice(1);
const report = (o) => process.stdout.write(JSON.stringify(o));
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const address = input.trim();
  if (address) probe(address);
});
function probe(address) {
const handshake = (options) => {
  const socket = tls.connect({ ...options, servername, rejectUnauthorized: false }, () => {
    const e = socket.authorizationError;
    report({ authorized: socket.authorized, error: e ? String(e.code || e) : null });
    socket.destroy();
  });
  socket.on('error', (e) => report({ authorized: null, error: 'connect: ' + (e.code || e.message) }));
};
if (!gatewayPort) handshake({ host: address, port: Number(port) });
else {
  const headers = { host: servername + ':' + gatewayPort };
  if (process.env.ELIZA_DOCTOR_PROXY_AUTH) headers['proxy-authorization'] = process.env.ELIZA_DOCTOR_PROXY_AUTH;
  const req = http.request({ host: address, port: Number(port), method: 'CONNECT', path: servername + ':' + gatewayPort, headers });
  req.on('connect', (res, socket) => {
    if (res.statusCode !== 200) return report({ authorized: null, error: 'proxy: HTTP ' + res.statusCode });
    handshake({ socket });
  });
  req.on('error', (e) => report({ authorized: null, error: 'proxy: ' + (e.code || e.message) }));
  req.end();
}
}
`;

/**
 * A brand-new Node process with the given environment handshakes with the gateway: the only
 * honest test of NODE_EXTRA_CA_CERTS, which Node reads once, at start-up.
 */
export async function freshNodeHandshake(
  host: Host,
  env: Record<string, string | undefined>,
  target: EarlyTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HandshakeVerdict> {
  const result = await host.exec(host.nodePath, ['-e', NODE_PROBE, ...probeArgs(target)], {
    env: withProxyAuth(nodeProbeEnv(env), target),
    input: addressInput(target),
    cwd: NEUTRAL_CWD,
    timeoutMs,
    ...(signal ? { signal } : {}),
  });
  return parseVerdict(result.stdout, result.stderr, result.timedOut, result.error);
}

/**
 * Both ways Python code verifies: as requests does (certifi or REQUESTS_CA_BUNDLE) and as ssl does.
 * Run by the driver in src/trust/python.ts. probe_args: timeout address port servername gatewayPort|-
 */
export const PYTHON_PROBE = `
${PYTHON_OPEN_SOCKET}
import json, os, site, socket, ssl, sys
timeout, address, port, server_name = float(probe_args[0]), probe_args[1], int(probe_args[2]), probe_args[3]
gateway_port = int(probe_args[4]) if probe_args[4] != "-" else None
def connect():
    return open_socket()
out = {"version": sys.version.split()[0], "executable": sys.executable}
try:
    import certifi
    out["certifi"] = certifi.where()
except Exception:
    out["certifi"] = None
try:
    # Neither importing requests nor importlib.metadata: each takes longer than the handshake.
    import importlib.util
    spec = importlib.util.find_spec("requests")
    out["requests"] = None
    if spec and spec.origin:
        out["requests"] = "installed"
        with open(os.path.join(os.path.dirname(spec.origin), "__version__.py")) as f:
            for line in f:
                if line.startswith("__version__"):
                    out["requests"] = line.split("=", 1)[1].strip().strip(chr(34) + chr(39))
except Exception:
    out["requests"] = out.get("requests")
paths = ssl.get_default_verify_paths()
out["openssl_cafile"] = paths.cafile
def attempt(make):
    try:
        context = make()
    except Exception as e:
        return {"authorized": None, "error": "bundle: " + str(e)}
    try:
        with connect() as sock:
            with context.wrap_socket(sock, server_hostname=server_name):
                return {"authorized": True, "error": None}
    except ssl.SSLCertVerificationError as e:
        return {"authorized": False, "error": e.verify_message}
    except ssl.SSLError as e:
        return {"authorized": False, "error": e.reason or str(e)}
    except Exception as e:
        return {"authorized": None, "error": "connect: " + str(e)}
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
answer(json.dumps(out))
`;

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
