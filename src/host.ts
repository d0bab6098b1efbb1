import { closeSync, promises as fs, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import os from 'node:os';

/** Everything a check may learn about the machine, behind one port so that tests can fake it. */
export interface Host {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd: string;
  platform: NodeJS.Platform;
  osRelease: string;
  arch: string;
  nodeVersion: string;
  now(): Date;
  /** Reads at most maxBytes; a larger file is an error with code EFBIG. */
  readFile(path: string, maxBytes: number): Promise<Buffer>;
  stat(path: string): Promise<Stats>;
}

export function realHost(env: NodeJS.ProcessEnv = process.env): Host {
  return {
    env,
    home: env.HOME || os.homedir(),
    cwd: process.cwd(),
    platform: process.platform,
    osRelease: os.release(),
    arch: process.arch,
    nodeVersion: process.versions.node,
    now: () => new Date(),
    readFile: readBounded,
    stat: (path) => fs.stat(path),
  };
}

export async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await fs.open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size > maxBytes) {
      throw Object.assign(new Error(`${path} is ${size} bytes, more than the ${maxBytes} allowed`), {
        code: 'EFBIG',
      });
    }
    const buffer = Buffer.alloc(Math.min(size || maxBytes, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) {
      throw Object.assign(new Error(`${path} is larger than the ${maxBytes} bytes allowed`), {
        code: 'EFBIG',
      });
    }
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function readBoundedSync(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw Object.assign(new Error(`${path} is too large`), { code: 'EFBIG' });
    const buffer = Buffer.alloc(maxBytes + 1);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw Object.assign(new Error(`${path} is too large`), { code: 'EFBIG' });
    return buffer.subarray(0, bytesRead);
  } finally {
    closeSync(fd);
  }
}
