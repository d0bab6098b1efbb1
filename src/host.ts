import { closeSync, constants, promises as fs, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEUTRAL_CWD } from './child-env.ts';
import { execInWorker } from './spawner.ts';

/** Everything a check may learn about the machine, behind one port so that tests can fake it. */
export interface Host {
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd: string;
  platform: NodeJS.Platform;
  osRelease: string;
  arch: string;
  nodeVersion: string;
  /** The node binary running the doctor: what a fresh-process check starts. */
  nodePath: string;
  now(): Date;
  /** Reads at most maxBytes; a larger file is an error with code EFBIG. */
  readFile(path: string, maxBytes: number): Promise<Buffer>;
  stat(path: string): Promise<Stats>;
  listDir(path: string): Promise<string[]>;
  /** The absolute path of an executable on PATH, or null. */
  findExecutable(name: string): Promise<string | null>;
  /** Runs a program, bounded; never rejects for the program's sake. */
  exec(file: string, args: string[], options: ExecOptions): Promise<ExecResult>;
}

export interface ExecOptions {
  env: Record<string, string | undefined>;
  /** Where it runs; the filesystem root when not given, never the user's current folder. */
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the program reads on stdin; a promise when it is known only later (the program starts meanwhile). */
  input?: string | Promise<string>;
  /**
   * Its own session and process group, stdin on /dev/null: no controlling terminal to take (an
   * interactive shell would take it from the doctor), and the whole group is killed when the bound
   * runs out or when the program exits leaving children behind (a startup file's background job
   * holding the output open).
   */
  session?: boolean;
  /**
   * Each line of stdout as it comes, for a program that answers in parts (the result still holds
   * all of stdout). A host may not call it: readers must also take their part from the result.
   */
  onLine?: (line: string) => void;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT ...). */
  error: string | null;
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
    nodePath: process.execPath,
    now: () => new Date(),
    readFile: readBounded,
    stat: (path) => fs.stat(path),
    listDir: (dir) => fs.readdir(dir).catch(() => []),
    findExecutable: executableFinder(env.PATH ?? ''),
    exec: (file, args, options) => execInWorker(file, args, { ...options, cwd: options.cwd ?? NEUTRAL_CWD }),
  };
}

/**
 * The first executable file of each name on PATH, as a shell finds it. A run asks for a dozen
 * names, most of them missing from most folders: each folder is listed once, all at once, and only
 * the files that are there are checked (one access and one stat each), instead of two calls per
 * name and folder, a few hundred in all, that held the main thread while the first requests went out.
 */
function executableFinder(searchPath: string): (name: string) => Promise<string | null> {
  const dirs = [...new Set(searchPath.split(path.delimiter).filter(Boolean))];
  let listings: Promise<Set<string> | null>[] | null = null;
  const found = new Map<string, Promise<string | null>>();
  const find = async (name: string): Promise<string | null> => {
    // All listed at once, read in PATH order: a slow folder late on PATH delays only the names
    // not found before it.
    listings ??= dirs.map((dir) =>
      fs.readdir(dir).then(
        (names) => new Set(names),
        () => null,
      ),
    );
    for (const [i, dir] of dirs.entries()) {
      const names = await listings[i];
      // A folder that cannot be listed (execute-only) may still hold it: asked directly.
      if (names && !names.has(name)) continue;
      const candidate = path.join(dir, name);
      try {
        await fs.access(candidate, constants.X_OK);
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        // not here
      }
    }
    return null;
  };
  return (name) => keptFor(found, name, () => find(name));
}

/** Most files the doctor reads (CA bundles, configs, startup files) are smaller: one read. */
const FIRST_READ_BYTES = 256 * 1024;

export async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  // Non-blocking: a FIFO (a CA variable pointing at one) fails its read rather than waiting for a writer.
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const tooLarge = (what: string) =>
    Object.assign(new Error(`${path} is ${what} the ${maxBytes} bytes allowed`), { code: 'EFBIG' });
  try {
    // The size and the first read together, and the close not waited for: each trip to the thread
    // pool waits for the main thread, busy at the start of a run, and the CA file read here is
    // on the first requests' path.
    const first = Buffer.alloc(Math.min(FIRST_READ_BYTES, maxBytes + 1));
    const [{ size }, { bytesRead }] = await Promise.all([
      handle.stat(),
      handle.read(first, 0, first.length, 0),
    ]);
    if (size > maxBytes) throw tooLarge(`${size} bytes, more than`);
    if (bytesRead > maxBytes) throw tooLarge('larger than');
    // All of it: as much as its size says, or (/proc and the like, which say 0) less than asked.
    if (size > 0 ? bytesRead >= size : bytesRead < first.length) return first.subarray(0, bytesRead);
    const rest = Buffer.alloc(Math.min(size || maxBytes, maxBytes) + 1 - bytesRead);
    const more = (await handle.read(rest, 0, rest.length, bytesRead)).bytesRead;
    if (bytesRead + more > maxBytes) throw tooLarge('larger than');
    return Buffer.concat([first.subarray(0, bytesRead), rest.subarray(0, more)]);
  } finally {
    void handle.close().catch(() => undefined);
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

/**
 * One answer per Host: several checks read the same startup files and git config in one run,
 * and a run has one Host. Failures are kept too (the caller sees the same rejection).
 */
export function perHost<T>(read: (host: Host) => Promise<T>): (host: Host) => Promise<T> {
  const answers = new WeakMap<Host, Promise<T>>();
  return (host) => keptFor(answers, host, () => read(host));
}

/** The answer kept for key, asked for once (a promise, or anything made once: a TLS context, an agent). */
export function keptFor<K, T>(
  kept: { get(key: K): T | undefined; set(key: K, answer: T): unknown },
  key: K,
  ask: () => T,
): T {
  let answer = kept.get(key);
  if (!answer) {
    answer = ask();
    kept.set(key, answer);
  }
  return answer;
}
