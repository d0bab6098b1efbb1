import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { CertVariant, SimPki } from './pki.ts';

/** The gateway endpoints the doctor calls; each can be given a fault of its own. */
export type Endpoint = 'quota' | 'usage' | 'models' | 'chat' | 'raw-chat';

export type Fault =
  | {
      kind: 'status';
      status: number;
      body: string | Buffer;
      contentType?: string;
      headers?: Record<string, string>;
    }
  /** Accept the request, never send headers. */
  | { kind: 'stall-headers' }
  /** Send headers and part of the body, then nothing. */
  | { kind: 'stall-body' }
  | { kind: 'reset-before-headers' }
  | { kind: 'reset-after-headers' }
  | { kind: 'truncated-json' }
  | { kind: 'huge-body'; bytes: number }
  /** A few bytes at a time, slower than any bound. */
  | { kind: 'drip' };

export interface GatewayBehaviour {
  /** What the TLS port presents. */
  cert: CertVariant;
  /** What listens on the TLS port: a real gateway, plain HTTP, or a socket that never speaks. */
  transport: 'tls' | 'not-tls' | 'tls-stall' | 'tls-reset';
  /** From the second connection on, present this certificate instead (a gateway swapped mid-run). */
  certLater?: CertVariant;
  quota: 'ok' | 'exhausted';
  models: string[];
  faults: Partial<Record<Endpoint, Fault>>;
  /** What the CA distribution point serves as allCAs.pem. */
  caBundle: 'good' | 'html' | 'foreign';
  /** How long each route thinks before it answers, as a real gateway and model do (benchmarks). */
  latencyMs: Partial<Record<Endpoint, number>>;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface SimGateway {
  /** The TLS port (the gateway). */
  port: number;
  /** A port that accepts connections and never answers: the documented http:// symptom. */
  silentPort: number;
  /** Plain-HTTP CA distribution point. */
  caUrl: string;
  /** Every request the gateway saw, for assertions (headers included, never printed). */
  requests: SeenRequest[];
  /** Emits 'request' with each SeenRequest as it arrives: for tests that act at that moment. */
  events: EventEmitter;
  close(): Promise<void>;
}

const TLS_HANDSHAKE_RECORD = 0x16;
/** An ALPN protocol entry in a ClientHello: length 2, then "h2". */
const ALPN_H2 = Buffer.from([0x02, 0x68, 0x32]);

export const SIM_MODELS = ['gpt-5-mini', 'gpt-5', 'gpt-4.1-mini', 'claude-sonnet-4-5', 'deepseek-v3'];

export function defaultBehaviour(): GatewayBehaviour {
  return {
    cert: 'good',
    transport: 'tls',
    quota: 'ok',
    models: SIM_MODELS,
    faults: {},
    caBundle: 'good',
    latencyMs: {},
  };
}

export async function startSimGateway(options: {
  pki: SimPki;
  token: string;
  behaviour?: Partial<GatewayBehaviour>;
  host?: string;
}): Promise<SimGateway> {
  const behaviour = { ...defaultBehaviour(), ...options.behaviour };
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const requests: SeenRequest[] = [];
  const events = new EventEmitter();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
    requests.push(seen);
    events.emit('request', seen);
    handle(req, res, behaviour, options.token);
  };

  let gateway: net.Server;
  if (behaviour.transport === 'tls') {
    const serverFor = (variant: CertVariant) => {
      const { chain, key } = options.pki.variant(variant);
      const server = https.createServer({ cert: chain, key }, handler);
      server.on('secureConnection', track);
      server.on('tlsClientError', () => undefined);
      return server;
    };
    const tlsServer = serverFor(behaviour.cert);
    const laterServer = behaviour.certLater ? serverFor(behaviour.certLater) : null;
    // Like the real host: TLS on the port works, plain HTTP to it gets no answer at all.
    gateway = net.createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        if (first[0] !== TLS_HANDSHAKE_RECORD) return;
        socket.pause();
        socket.unshift(first);
        // A certificate that changes between connections, deterministically: the doctor's own
        // probe offers ALPN h2 and sees the first certificate; every other client sees the later one.
        const offersH2 = first.includes(ALPN_H2);
        (laterServer && !offersH2 ? laterServer : tlsServer).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
  } else if (behaviour.transport === 'tls-reset') {
    // Hears the ClientHello, then resets: a middlebox that kills the handshake.
    gateway = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  } else if (behaviour.transport === 'not-tls') {
    gateway = http.createServer(handler);
  } else {
    gateway = net.createServer(() => undefined);
  }
  gateway.on('connection', track);

  const silent = net.createServer(() => undefined);
  silent.on('connection', track);

  const ca = http.createServer((req, res) => {
    if (req.url === '/allCAs.pem' || req.url === '/YandexInternalCA.pem') {
      const body =
        behaviour.caBundle === 'html'
          ? '<!DOCTYPE html><html><body>Please log in to the guest Wi-Fi</body></html>'
          : behaviour.caBundle === 'foreign'
            ? options.pki.variant('intercepted').chain
            : options.pki.bundlePem;
      res.writeHead(200, {
        'content-type': behaviour.caBundle === 'html' ? 'text/html' : 'application/x-pem-file',
      });
      res.end(body);
      return;
    }
    res.writeHead(404).end();
  });
  ca.on('connection', track);

  await Promise.all([listen(gateway, host), listen(silent, host), listen(ca, host)]);
  const caPort = (ca.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    port: (gateway.address() as AddressInfo).port,
    silentPort: (silent.address() as AddressInfo).port,
    caUrl: `http://${hostInUrl}:${caPort}/allCAs.pem`,
    requests,
    events,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([gateway, silent, ca].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

function listen(server: net.Server, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
}

function endpointOf(method: string, path: string, headers: http.IncomingHttpHeaders): Endpoint | null {
  const bare = path.split('?')[0];
  if (method === 'GET' && bare === '/quota') return 'quota';
  if (method === 'GET' && bare === '/usage') return 'usage';
  if (method === 'GET' && bare === '/v1/models') return 'models';
  if (method === 'POST' && bare === '/raw/openai/v1/chat/completions') return 'raw-chat';
  if (method === 'POST' && bare === '/openai/v1/chat/completions') {
    return headers['need-raw-answer'] === 'true' ? 'raw-chat' : 'chat';
  }
  return null;
}

function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  behaviour: GatewayBehaviour,
  token: string,
) {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const route = endpointOf(req.method ?? 'GET', req.url ?? '/', req.headers);
    if (!route) return json(res, 404, { error: `no such endpoint: ${req.method} ${req.url}` });
    const auth = req.headers.authorization ?? '';
    const match = /^(OAuth|Bearer) (.+)$/.exec(auth);
    if (!match) return json(res, 401, { error: 'authorization required for direct requests' });
    if (match[2] !== token) return json(res, 401, { error: 'invalid OAuth token' });
    const delay = behaviour.latencyMs[route] ?? 0;
    if (delay > 0) {
      const timer = setTimeout(
        () => answer(req, res, behaviour, route, Buffer.concat(chunks).toString('utf8')),
        delay,
      );
      res.on('close', () => clearTimeout(timer));
      return;
    }
    answer(req, res, behaviour, route, Buffer.concat(chunks).toString('utf8'));
  });
}

function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  behaviour: GatewayBehaviour,
  route: Endpoint,
  body: string,
) {
  const fault = behaviour.faults[route];
  if (fault) return applyFault(req, res, fault);
  switch (route) {
    case 'quota':
      return json(res, 200, quotaBody(behaviour.quota, req.headers['ya-pool']));
    case 'usage':
      return json(res, 200, { usage: [{ model_family: 'gpt-5', spent_usd: '12.50' }] });
    case 'models':
      return json(res, 200, {
        data: behaviour.models.map((id) => ({
          id,
          title: id,
          developer: id.startsWith('claude') ? 'anthropic' : 'openai',
          namespace: 'public',
          prices: { input: '0.00000025', output: '0.000002' },
        })),
      });
    case 'chat':
    case 'raw-chat':
      return chat(res, behaviour, body, route === 'chat');
  }
}

function quotaBody(quota: GatewayBehaviour['quota'], pool: string | string[] | undefined) {
  const spent = quota === 'exhausted' ? 100 : 12.5;
  return {
    pool: typeof pool === 'string' ? pool : null,
    quotas: [
      { model_family: 'gpt-5', limit: 100, spent },
      { model_family: 'claude', limit: 50, spent: 3 },
    ],
  };
}

function chat(res: http.ServerResponse, behaviour: GatewayBehaviour, text: string, wrapped: boolean) {
  let request: { model?: unknown; messages?: unknown };
  try {
    request = JSON.parse(text);
  } catch {
    return json(res, 400, { error: 'request body is not JSON' });
  }
  const model = typeof request.model === 'string' ? request.model : '';
  if (!behaviour.models.includes(model)) return json(res, 400, { error: `${model} is not a valid model ID` });
  if (behaviour.quota === 'exhausted') return json(res, 429, { error: 'Quota exceeded' });
  const answer = {
    id: 'chatcmpl-sim',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content: 'pong', refusal: null }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
  };
  if (!wrapped) return json(res, 200, answer);
  return json(res, 200, {
    key: 'SIM_KEY',
    response: answer,
    attempt_count: 1,
    cost: 0.0000204,
    cost_info: `model: ${model}`,
    stats: { provider: 'api', user: 'sim-user', pool: null, model_family: 'gpt-5' },
  });
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A TCP reset needs the TCP socket; under TLS, req.socket is the TLS layer wrapped around it. */
function rawSocket(req: http.IncomingMessage): net.Socket {
  return (req.socket as net.Socket & { _parent?: net.Socket })._parent ?? req.socket;
}

function applyFault(req: http.IncomingMessage, res: http.ServerResponse, fault: Fault) {
  switch (fault.kind) {
    case 'status':
      res.writeHead(fault.status, {
        'content-type': fault.contentType ?? 'application/json',
        ...fault.headers,
      });
      res.end(fault.body);
      return;
    case 'stall-headers':
      return;
    case 'stall-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"data": [');
      return;
    case 'reset-before-headers':
      rawSocket(req).resetAndDestroy();
      return;
    case 'reset-after-headers':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"quotas": [', () => rawSocket(req).resetAndDestroy());
      return;
    case 'truncated-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"quotas": [{"model_family": "gpt-5", "lim');
      return;
    case 'huge-body': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < fault.bytes) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case 'drip': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(' ');
      }, 200);
      res.on('close', () => clearInterval(timer));
      return;
    }
  }
}
