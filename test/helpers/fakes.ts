import type { Stats } from 'node:fs';
import { buildConfig, type RawOptions } from '../../src/config.ts';
import type { CheckContext, CheckResult } from '../../src/engine/types.ts';
import type { CheckId } from '../../src/facts.ts';
import type { Host } from '../../src/host.ts';
import { type FailureKind, failure } from '../../src/net/errors.ts';
import type { Net } from '../../src/net/index.ts';

export function fakeHost(
  env: Record<string, string> = {},
  files: Record<string, string | Buffer> = {},
): Host {
  const notFound = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return {
    env,
    home: '/home/user',
    cwd: '/home/user',
    platform: 'linux',
    osRelease: '6.1.0',
    arch: 'x64',
    nodeVersion: '20.20.2',
    nodePath: process.execPath,
    now: () => new Date('2026-11-26T12:00:00Z'),
    async readFile(path) {
      const content = files[path];
      if (content === undefined) throw notFound(path);
      return Buffer.from(content);
    },
    async stat(path) {
      if (files[path] === undefined) throw notFound(path);
      return { isFile: () => true, isDirectory: () => false } as Stats;
    },
    listDir: async () => [],
    findExecutable: async () => null,
    exec: async () => ({ code: null, stdout: '', stderr: '', timedOut: false, error: 'ENOENT' }),
  };
}

const unused = async (): Promise<never> => {
  throw new Error('this fake Net was not told how to answer');
};

export function fakeNet(overrides: Partial<Net>): Net {
  return {
    lookup: unused,
    connect: unused,
    tlsProbe: unused,
    plainHttp: unused,
    route: () => null,
    request: unused,
    stream: unused,
    close: async () => undefined,
    ...overrides,
  };
}

export function netFailure(kind: FailureKind, cause: string) {
  return { ok: false as const, failure: failure(kind, cause, cause), ms: 3 };
}

export function fakeContext(options: {
  raw?: RawOptions;
  env?: Record<string, string>;
  files?: Record<string, string | Buffer>;
  net?: Partial<Net>;
  dependencies?: Partial<Record<CheckId, Partial<CheckResult>>>;
}): CheckContext {
  const env = options.env ?? {};
  return {
    config: buildConfig(options.raw ?? {}, env),
    host: fakeHost(env, options.files),
    net: fakeNet(options.net ?? {}),
    signal: new AbortController().signal,
    boundAt: Number.POSITIVE_INFINITY,
    result: (async (id: CheckId) => {
      const dep = options.dependencies?.[id];
      if (!dep) throw new Error(`no fake result for ${id}`);
      return {
        id,
        title: id,
        status: 'pass',
        code: null,
        summary: '',
        details: [],
        fix: null,
        data: {},
        durationMs: 0,
        ...dep,
      };
    }) as CheckContext['result'],
    registerSecret: () => undefined,
  };
}
