import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface SimProxyOptions {
  /** "user:password" the proxy wants, else it answers 407. */
  credentials?: string;
  /** Answer every CONNECT with this status instead of tunnelling. */
  refuse?: number;
  /**
   * Hold what the gateway sends until it has been quiet this long, then pass it on in one write:
   * how a buffering middlebox (an inspecting proxy that reads whole answers) looks to a stream.
   * TLS stays end-to-end; only the timing of the bytes changes.
   */
  holdMs?: number;
  /** Take the connection and never answer the CONNECT: a black-holed proxy. */
  silent?: boolean;
  /** Where tunnels really go: the loopback gateway, whatever name was asked for. */
  upstream: (host: string, port: number) => { host: string; port: number };
}

export interface SimProxy {
  url: string;
  port: number;
  /** host:port of every CONNECT, in order. */
  connects: string[];
  close(): Promise<void>;
}

/** An HTTP CONNECT proxy on loopback, for the proxy paths of the doctor. */
export async function startSimProxy(options: SimProxyOptions): Promise<SimProxy> {
  const connects: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req, client: net.Socket, head: Buffer) => {
    client.on('error', () => undefined);
    const target = req.url ?? '';
    connects.push(target);
    const expected = options.credentials
      ? `Basic ${Buffer.from(options.credentials).toString('base64')}`
      : null;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="sim"\r\n\r\n',
      );
      return;
    }
    if (options.silent) return;
    if (options.refuse) {
      client.end(`HTTP/1.1 ${options.refuse} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host = '', port = '443'] = target.replace(/^\[(.*)\](:\d+)$/, '$1$2').split(/:(?=\d+$)/);
    const to = options.upstream(host, Number(port));
    const upstream = net.connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      if (options.holdMs) hold(upstream, client, options.holdMs);
      else upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const auth = options.credentials ? `${options.credentials}@` : '';
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    port,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function hold(from: net.Socket, to: net.Socket, quietMs: number): void {
  let held: Buffer[] = [];
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    if (held.length && !to.destroyed) to.write(Buffer.concat(held));
    held = [];
  };
  from.on('data', (chunk: Buffer) => {
    held.push(chunk);
    clearTimeout(timer);
    timer = setTimeout(release, quietMs);
  });
  from.on('end', () => {
    clearTimeout(timer);
    release();
    to.end();
  });
  from.on('close', () => clearTimeout(timer));
}
