import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * A loopback port that drops connection attempts, like a firewall: a listener with a backlog of
 * one that never accepts, its queue filled at once. Node cannot listen without accepting, so a
 * few lines of Python hold the socket. Resolves to null where python3 is missing.
 */
export async function blackholePort(): Promise<{ port: number; close(): void } | null> {
  const script = [
    'import socket, sys',
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
    'port = s.getsockname()[1]; held = []',
    'for _ in range(8):',
    '    c = socket.socket(); c.setblocking(False)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    '    held.append(c)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const failed = once(child, 'error').then(() => null);
  const port = once(child.stdout, 'data').then(([data]) => Number(String(data).trim()));
  const result = await Promise.race([port, failed]);
  if (!result) return null;
  return {
    port: result,
    close: () => {
      child.stdin.end();
      child.kill();
    },
  };
}
