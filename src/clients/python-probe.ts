import { PROGRAM_START_ALLOWANCE_MS } from '../engine/allowance.ts';
import { PYTHON_OPEN_SOCKET } from '../trust/probes.ts';

/** Starting python3 and importing the libraries (requests, httpx, aiohttp) on a loaded machine. */
export const PYTHON_IMPORT_ALLOWANCE_MS = 3 * PROGRAM_START_ALLOWANCE_MS;

/**
 * One python3 child finds which HTTP and AI libraries the user's Python has, and for each way of
 * verifying among them builds the TLS context as that library builds it (its own code where it
 * exposes it) and handshakes once with the gateway. Run by the driver in src/trust/python.ts.
 *
 * probe_args: timeout address port servername gatewayPort|- langchainProxy(0|1)
 */
export const PYTHON_CLIENTS_PROBE = `
import json, os, site, socket, ssl, sys
timeout, address, port, server_name = float(probe_args[0]), probe_args[1], int(probe_args[2]), probe_args[3]
gateway_port = int(probe_args[4]) if probe_args[4] != "-" else None
langchain_proxy = probe_args[5] == "1"
url = "https://%s:%d/" % (server_name, gateway_port or port)
import importlib.metadata as metadata
DISTRIBUTIONS = ["requests", "certifi", "httpx", "httpx2", "truststore", "aiohttp", "openai", "anthropic",
                 "litellm", "langchain-openai", "aider-chat"]
libraries = {}
for name in DISTRIBUTIONS:
    try:
        libraries[name] = metadata.version(name)
    except Exception:
        pass
def http_stack(name):
    # What the SDK itself declares it needs (extras left out): httpx2 (openai 3, anthropic 1) or httpx.
    requires = [r.split(";")[0] for r in (metadata.requires(name) or []) if "extra ==" not in r]
    names = [r.replace(" ", "").split("<")[0].split(">")[0].split("=")[0].split("[")[0].lower() for r in requires]
    return "httpx2" if "httpx2" in names else "httpx" if "httpx" in names else None
stacks = {name: http_stack(name) for name in ("openai", "anthropic") if name in libraries}
${PYTHON_OPEN_SOCKET}
def connect():
    return open_socket()
def handshake(context):
    try:
        with connect() as sock:
            with context.wrap_socket(sock, server_hostname=server_name):
                return {"authorized": True, "error": None}
    except ssl.SSLCertVerificationError as e:
        return {"authorized": False, "error": e.verify_message or str(e)}
    except ssl.SSLError as e:
        return {"authorized": False, "error": e.reason or str(e)}
    except Exception as e:
        return {"authorized": None, "error": "connect: " + str(e)}
STRICT = getattr(ssl, "VERIFY_X509_STRICT", 0)
def judge(source, make):
    try:
        out = dict(source())
    except Exception as e:
        out = {"kind": "certifi", "path": None}
    try:
        context = make()
    except Exception as e:
        # The library itself cannot build its context (a missing or unreadable bundle): it fails.
        out.update(authorized=False, error="bundle: " + str(e), strictOnly=False)
        return out
    inner = getattr(context, "_ctx", context)
    out.update(handshake(context))
    out["strictOnly"] = False
    # Python 3.13's create_default_context() adds VERIFY_X509_STRICT: a CA that fails only there
    # is a CA to reissue, not a bundle to fix.
    if out["authorized"] is False and STRICT and inner.verify_flags & STRICT:
        inner.verify_flags &= ~STRICT
        out["strictOnly"] = handshake(context)["authorized"] is True
    return out
def certifi_where():
    import certifi
    return certifi.where()
def openssl_default():
    paths = ssl.get_default_verify_paths()
    return {"kind": "os", "path": paths.cafile or paths.capath}
def env_or(default):
    if os.environ.get("SSL_CERT_FILE"):
        return {"kind": "file", "path": os.environ["SSL_CERT_FILE"], "variable": "SSL_CERT_FILE"}
    if os.environ.get("SSL_CERT_DIR"):
        return {"kind": "dir", "path": os.environ["SSL_CERT_DIR"], "variable": "SSL_CERT_DIR"}
    return default()
def requests_way():
    import requests, urllib3.util.ssl_ as u3
    session = requests.Session()
    verify = session.merge_environment_settings(url, {}, None, None, None)["verify"]
    class Connection:
        pass
    connection = Connection()
    # The adapter's own choice of CA file (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE or certifi), then
    # urllib3's own context, loaded as urllib3 loads it.
    session.get_adapter(url).cert_verify(connection, url, verify, None)
    ca_file, ca_dir = getattr(connection, "ca_certs", None), getattr(connection, "ca_cert_dir", None)
    context = u3.create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    context.load_verify_locations(ca_file, ca_dir)
    return context
def requests_source():
    variable = "REQUESTS_CA_BUNDLE" if os.environ.get("REQUESTS_CA_BUNDLE") else "CURL_CA_BUNDLE" if os.environ.get("CURL_CA_BUNDLE") else None
    if variable:
        path = os.environ[variable]
        return {"kind": "dir" if os.path.isdir(path) else "file", "path": path, "variable": variable}
    try:
        from requests.utils import DEFAULT_CA_BUNDLE_PATH
        return {"kind": "certifi", "path": DEFAULT_CA_BUNDLE_PATH}
    except Exception:
        return {"kind": "certifi", "path": None}
def httpx_context():
    import httpx
    if hasattr(httpx, "create_ssl_context"):
        return httpx.create_ssl_context(trust_env=True)
    return httpx._config.SSLConfig(trust_env=True).load_ssl_context()
def httpx2_context():
    import httpx2
    return httpx2.create_ssl_context(trust_env=True)
def aiohttp_context():
    try:
        from aiohttp.connector import _make_ssl_context
        return _make_ssl_context(True)
    except ImportError:
        return ssl.create_default_context()
def litellm_context():
    # litellm's get_ssl_configuration, without importing litellm (seconds of start-up):
    # SSL_VERIFY naming a bundle, else SSL_CERT_FILE, else certifi.
    source = litellm_source()
    return ssl.create_default_context(cafile=source["path"])
def litellm_source():
    verify = os.environ.get("SSL_VERIFY", "")
    if verify and verify.lower() not in ("true", "false", "1", "0"):
        return {"kind": "file", "path": verify, "variable": "SSL_VERIFY"}
    if os.environ.get("SSL_CERT_FILE"):
        return {"kind": "file", "path": os.environ["SSL_CERT_FILE"], "variable": "SSL_CERT_FILE"}
    return {"kind": "certifi", "path": certifi_where() if "certifi" in libraries else None}
ways = {}
if "requests" in libraries:
    ways["requests"] = judge(requests_source, requests_way)
if "httpx" in libraries:
    ways["httpx"] = judge(lambda: env_or(lambda: {"kind": "certifi", "path": certifi_where()}), httpx_context)
if "httpx2" in libraries:
    ways["httpx2"] = judge(lambda: env_or(openssl_default), httpx2_context)
elif "truststore" in libraries:
    def truststore_context():
        import truststore
        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ways["truststore"] = judge(openssl_default, truststore_context)
if "aiohttp" in libraries:
    ways["ssl"] = judge(openssl_default, aiohttp_context)
if "litellm" in libraries or "aider-chat" in libraries:
    ways["litellm"] = judge(litellm_source, litellm_context)
if "langchain-openai" in libraries and langchain_proxy:
    ways["certifi"] = judge(lambda: {"kind": "certifi", "path": certifi_where()}, lambda: ssl.create_default_context(cafile=certifi_where()))
answer(json.dumps({"version": sys.version.split()[0], "libraries": libraries, "stacks": stacks, "ways": ways}))
`;

export type WayName = 'requests' | 'httpx' | 'httpx2' | 'truststore' | 'ssl' | 'litellm' | 'certifi';

/** Where a way takes its CAs from: a file or folder (a variable's, or certifi's) or the OS store. */
export interface CaSource {
  kind: 'file' | 'dir' | 'certifi' | 'os';
  path: string | null;
  /** The variable that chose it, when one did. */
  variable?: string;
}

export interface WayVerdict {
  source: CaSource;
  /** null: the gateway could not be reached at all (not a trust verdict). */
  authorized: boolean | null;
  error: string | null;
  /** Rejected only because of VERIFY_X509_STRICT (Python 3.13+): the CA breaks RFC 5280's profile. */
  strictOnly: boolean;
}

export interface PythonClientsProbe {
  version: string;
  /** Installed distributions and their versions. */
  libraries: Record<string, string>;
  /** The HTTP library each official SDK declares (httpx2 or httpx). */
  stacks: Partial<Record<'openai' | 'anthropic', 'httpx' | 'httpx2' | null>>;
  ways: Partial<Record<WayName, WayVerdict>>;
}

/** The probe's answer, checked for shape: anything else is a failed probe, never a crash. */
export function parsePythonClientsProbe(answer: string): PythonClientsProbe | null {
  let o: unknown;
  try {
    o = JSON.parse(answer);
  } catch {
    return null;
  }
  if (!isRecord(o) || typeof o.version !== 'string' || !isRecord(o.libraries) || !isRecord(o.ways))
    return null;
  const libraries: Record<string, string> = {};
  for (const [name, version] of Object.entries(o.libraries)) {
    if (typeof version === 'string') libraries[name] = version;
  }
  const stacks: PythonClientsProbe['stacks'] = {};
  if (isRecord(o.stacks)) {
    for (const sdk of ['openai', 'anthropic'] as const) {
      const stack = o.stacks[sdk];
      if (stack === 'httpx' || stack === 'httpx2' || stack === null) stacks[sdk] = stack;
    }
  }
  const ways: PythonClientsProbe['ways'] = {};
  for (const [name, v] of Object.entries(o.ways)) {
    if (!isRecord(v) || !['file', 'dir', 'certifi', 'os'].includes(String(v.kind))) continue;
    ways[name as WayName] = {
      source: {
        kind: v.kind as CaSource['kind'],
        path: typeof v.path === 'string' ? v.path : null,
        ...(typeof v.variable === 'string' ? { variable: v.variable } : {}),
      },
      authorized: typeof v.authorized === 'boolean' ? v.authorized : null,
      error: typeof v.error === 'string' ? v.error : null,
      strictOnly: v.strictOnly === true,
    };
  }
  return { version: o.version, libraries, stacks, ways };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
