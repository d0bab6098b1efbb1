import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { CertVariant, SimPki } from './pki.ts';

/** The gateway endpoints the doctor calls; each can be given a fault of its own. */
export type Endpoint = 'quota' | 'usage' | 'models' | 'chat' | 'raw-chat' | 'raw-messages' | 'raw-responses';

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
  /** How streamed answers (`"stream": true`) travel. */
  stream: StreamBehaviour;
  /** Which credentials the gateway takes: `Authorization: OAuth`, `Authorization: Bearer`, `x-api-key`. */
  accept: { oauth: boolean; bearer: boolean; xApiKey: boolean };
}

export interface StreamBehaviour {
  /** Between two events with text, as a model generates them. */
  gapMs: number;
  /** Before the first event with text (after the headers and the opening event): a model thinking. */
  thinkMs: number;
  /**
   * What goes wrong half-way: gzip (for a client that accepts it, a compressing encoder that
   * holds the events until the end), cut (the connection closes), stall (nothing more is sent),
   * not-sse (a whole JSON answer instead), error-event (an error event, which echoes the caller's
   * credential as a careless server might), malformed (an event that is not JSON).
   */
  fault: 'none' | 'gzip' | 'cut' | 'stall' | 'not-sse' | 'error-event' | 'malformed';
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
    stream: { gapMs: 15, thinkMs: 0, fault: 'none' },
    accept: { oauth: true, bearer: true, xApiKey: true },
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
  if (method === 'POST' && bare === '/raw/anthropic/v1/messages') return 'raw-messages';
  if (method === 'POST' && bare === '/raw/openai/v1/responses') return 'raw-responses';
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
    const presented = credentialOf(req.headers, behaviour.accept);
    if (!presented) return json(res, 401, { error: 'authorization required for direct requests' });
    if (presented !== token) return json(res, 401, { error: 'invalid OAuth token' });
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

/** The credential the request carries in a form this gateway takes; null when none. */
function credentialOf(headers: http.IncomingHttpHeaders, accept: GatewayBehaviour['accept']): string | null {
  const match = /^(OAuth|Bearer) (.+)$/.exec(headers.authorization ?? '');
  if (match?.[1] === 'OAuth' && accept.oauth) return match[2]!;
  if (match?.[1] === 'Bearer' && accept.bearer) return match[2]!;
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && accept.xApiKey) return apiKey;
  return null;
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
    case 'raw-messages':
    case 'raw-responses':
      return chat(req, res, behaviour, body, route);
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

function chat(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  behaviour: GatewayBehaviour,
  text: string,
  route: 'chat' | 'raw-chat' | 'raw-messages' | 'raw-responses',
) {
  let request: { model?: unknown; stream?: unknown };
  try {
    request = JSON.parse(text);
  } catch {
    return json(res, 400, { error: 'request body is not JSON' });
  }
  const model = typeof request.model === 'string' ? request.model : '';
  if (!behaviour.models.includes(model)) return json(res, 400, { error: `${model} is not a valid model ID` });
  if (behaviour.quota === 'exhausted') return json(res, 429, { error: 'Quota exceeded' });
  const api = route === 'raw-messages' ? 'messages' : route === 'raw-responses' ? 'responses' : 'chat';
  const answer = wholeAnswer(api, model);
  // Eliza's wrapped route gives the wrapper, streamed request or not (eliza-facts: an SDK pointed
  // there gets the wrapper and cannot parse it): only the raw routes stream.
  if (request.stream === true && route !== 'chat' && behaviour.stream.fault !== 'not-sse') {
    return streamAnswer(req, res, behaviour.stream, api, model);
  }
  if (route !== 'chat') return json(res, 200, answer);
  return json(res, 200, {
    key: 'SIM_KEY',
    response: answer,
    attempt_count: 1,
    cost: 0.0000204,
    cost_info: `model: ${model}`,
    stats: { provider: 'api', user: 'sim-user', pool: null, model_family: 'gpt-5' },
  });
}

type WireApi = 'chat' | 'messages' | 'responses';

/** The numbers the streaming probe asks for: one event with text each. */
const COUNT = Array.from({ length: 20 }, (_, i) => `${i + 1}\n`);

function wholeAnswer(api: WireApi, model: string): unknown {
  const created = Math.floor(Date.now() / 1000);
  if (api === 'messages') {
    return {
      id: 'msg_sim',
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: 'pong' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 9, output_tokens: 1 },
    };
  }
  if (api === 'responses') {
    return {
      id: 'resp_sim',
      object: 'response',
      created_at: created,
      model,
      status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'pong' }] }],
    };
  }
  return {
    id: 'chatcmpl-sim',
    object: 'chat.completion',
    created,
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content: 'pong', refusal: null }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
  };
}

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** A streamed answer as each wire API frames it: an opening, one event per text piece, a closing. */
function streamFrames(api: WireApi, model: string): { open: string[]; text: string[]; close: string[] } {
  const created = Math.floor(Date.now() / 1000);
  if (api === 'messages') {
    const typed = (type: string, rest: Record<string, unknown>) => sse({ type, ...rest }, type);
    return {
      open: [
        typed('message_start', {
          message: { id: 'msg_sim', type: 'message', role: 'assistant', model, content: [], usage: {} },
        }),
        typed('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        sse({ type: 'ping' }, 'ping'),
      ],
      text: COUNT.map((t) =>
        typed('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } }),
      ),
      close: [
        typed('content_block_stop', { index: 0 }),
        typed('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 40 } }),
        typed('message_stop', {}),
      ],
    };
  }
  if (api === 'responses') {
    let sequence = 0;
    const typed = (type: string, rest: Record<string, unknown>) =>
      sse({ type, sequence_number: sequence++, ...rest }, type);
    const response = (status: string) => ({ id: 'resp_sim', object: 'response', model, status });
    return {
      open: [
        typed('response.created', { response: response('in_progress') }),
        typed('response.in_progress', { response: response('in_progress') }),
      ],
      text: COUNT.map((t) =>
        typed('response.output_text.delta', {
          item_id: 'msg_sim',
          output_index: 0,
          content_index: 0,
          delta: t,
        }),
      ),
      close: [
        typed('response.output_text.done', { item_id: 'msg_sim', text: COUNT.join('') }),
        typed('response.completed', { response: response('completed') }),
      ],
    };
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    sse({
      id: 'chatcmpl-sim',
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  return {
    open: [chunk({ role: 'assistant', content: '' })],
    text: COUNT.map((t) => chunk({ content: t })),
    close: [chunk({}, 'stop'), sse('[DONE]')],
  };
}

function errorFrame(api: WireApi, credential: string): string {
  const message = `upstream model failed for ${credential}`;
  if (api === 'messages') return sse({ type: 'error', error: { type: 'api_error', message } }, 'error');
  if (api === 'responses') return sse({ type: 'error', code: 'server_error', message }, 'error');
  return sse({ error: { message, type: 'server_error' } });
}

/** An event cut off inside its JSON, named as the wire API names its text events. */
function brokenFrame(api: WireApi): string {
  if (api === 'messages') return sse('{"type": "content_block_delta", "delta": {"te', 'content_block_delta');
  if (api === 'responses')
    return sse('{"type": "response.output_text.delta", "del', 'response.output_text.delta');
  return sse('{"choices": [{"index": 0, "delta": {"content": "1');
}

function streamAnswer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  behaviour: StreamBehaviour,
  api: WireApi,
  model: string,
) {
  const { open, text, close } = streamFrames(api, model);
  const half = Math.floor(text.length / 2);
  // Like a compressing middleware: only for a client that accepts it.
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const gzip = behaviour.fault === 'gzip' && acceptsGzip ? zlib.createGzip() : null;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.flushHeaders();
  if (gzip) gzip.pipe(res);
  const out: NodeJS.WritableStream = gzip ?? res;
  const timers = new Set<NodeJS.Timeout>();
  res.on('close', () => {
    for (const timer of timers) clearTimeout(timer);
  });
  const later = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) then();
    }, ms);
    timers.add(timer);
  };
  for (const frame of open) out.write(frame);
  const send = (i: number): void => {
    if (i === half && behaviour.fault === 'cut') return void rawSocket(req).destroy();
    if (i === half && behaviour.fault === 'stall') return;
    if (i === half && behaviour.fault === 'error-event') {
      out.write(errorFrame(api, req.headers.authorization ?? ''));
      return void out.end();
    }
    if (i === half && behaviour.fault === 'malformed') out.write(brokenFrame(api));
    if (i === text.length) {
      for (const frame of close) out.write(frame);
      return void out.end();
    }
    out.write(text[i]!);
    later(behaviour.gapMs, () => send(i + 1));
  };
  later(behaviour.thinkMs, () => send(0));
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
