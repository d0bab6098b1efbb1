import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { CLI, outcomeOf, parseReport, pki, runCli, stage, tempDir, tempHome } from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, 'no stack trace');

describe('bad input: a clear line and the documented exit code, never a stack trace', () => {
  const dir = tempDir();
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  mkdirSync(path.join(dir, 'a-directory'));
  const tokenCases: [string, string[]][] = [
    ['an empty --token', ['--token', '']],
    ['a white-space --token', ['--token', '  \t ']],
    ['a token file that does not exist', ['--token-file', path.join(dir, 'missing')]],
    ['a token file that is a directory', ['--token-file', path.join(dir, 'a-directory')]],
    ['an empty token file', ['--token-file', file('empty', '')]],
    ['a binary token file', ['--token-file', file('binary', Buffer.from([0x79, 0x30, 0x00, 0x01, 0xff]))]],
    ['a huge token file', ['--token-file', file('huge', 'y'.repeat(200_000))]],
    ['a CA file that is a directory', ['--ca-file', path.join(dir, 'a-directory')]],
    ['a --resolve with an empty address', ['--resolve', 'api.eliza.yandex.net:443:']],
    ['a --pool with a control character', ['--pool', 'team\u0007']],
    ['a --model with a space', ['--model', 'gpt 5']],
    ['a --report in a missing folder', ['--report', path.join(dir, 'nope', 'r.md')]],
    ['a repeated --base-url', ['--base-url', 'https://a.example', '--base-url', 'https://b.example']],
  ];
  for (const [what, args] of tokenCases) {
    it(`${what}: exit 2`, async () => {
      const result = await runCli(args, { home: tempHome() });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(
        result.stderr.split('\n').filter(Boolean).length,
        2,
        'one line, then the pointer to --help',
      );
      noStack(result.stderr);
    });
  }

  const pemCases: [string, () => string, string][] = [
    ['garbage', () => file('garbage.pem', 'hello, I am not a certificate\n'), 'CA_NOT_PEM'],
    ['DER', () => file('der.crt', pki().root.cert.raw), 'CA_NOT_PEM'],
    ['an HTML page', () => file('page.pem', '<!DOCTYPE html><html><body>login</body></html>'), 'CA_NOT_PEM'],
    ['a truncated PEM', () => file('truncated.pem', pki().root.pem.slice(0, 300)), 'CA_NO_PINNED_ROOT'],
    ['a PEM of another CA', () => file('other.pem', pki().variant('intercepted').chain), 'CA_NO_PINNED_ROOT'],
    ['a huge file', () => file('huge.pem', Buffer.alloc(5 * 1024 * 1024, 0x41)), 'CA_FILE_UNREADABLE'],
    [
      'thousands of certificates',
      () => file('many.pem', pki().intermediate.pem.repeat(3000) + pki().root.pem),
      'pass',
    ],
  ];
  for (const [what, make, code] of pemCases) {
    it(`--ca-file with ${what}: ca-bundle ${code}`, async () => {
      const staged = await stage(healthy);
      try {
        const env = { ...staged.invocation.env };
        delete env.NODE_EXTRA_CA_CERTS;
        const result = await runCli(
          ['--json', '--only', 'ca-bundle', '--ca-file', make(), ...staged.invocation.args],
          {
            env,
            home: staged.home,
          },
        );
        noStack(result.stderr);
        const check = parseReport(result.stdout).checks[0]!;
        assert.equal(outcomeOf(check), code, check.summary);
        assert.equal(result.code, code === 'pass' ? 0 : 1);
      } finally {
        await staged.close();
      }
    });
  }

  it('startup files that are binary, huge, CRLF or without a final newline: read, judged, left alone when they must be', async () => {
    const staged = await stage(scenarioByName('untrusted-ca')!);
    try {
      const home = staged.home;
      writeFileSync(
        path.join(home, '.bashrc'),
        Buffer.concat([Buffer.from('export A=1\n'), Buffer.from([0, 1, 2, 0xff])]),
      );
      writeFileSync(path.join(home, '.zshrc'), `${'# filler line\n'.repeat(200_000)}`);
      writeFileSync(path.join(home, '.profile'), 'export NODE_EXTRA_CA_CERTS=/nonexistent.pem\r\nexport B=2');
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const check = await runCli(['--json', ...staged.invocation.args], { env, home });
      noStack(check.stderr);
      assert.equal(
        parseReport(check.stdout).checks.find((c) => c.id === 'trust-node')!.code,
        'TRUST_NODE_CA_NOT_SET',
      );
      const dry = await runCli(['fix', '--dry-run', ...staged.invocation.args], { env, home });
      noStack(dry.stderr);
      assert.match(dry.stdout, /leave ~\/\.bashrc alone: holds binary data/);
      assert.match(dry.stdout, /update ~\/\.profile/);
      assert.equal(dry.code, 0);
    } finally {
      await staged.close();
    }
  });
});

describe('output that stops being read or cannot be written', () => {
  const run = async (stdout: 'pipe' | number, closeAfterFirstRead: boolean) => {
    const staged = await stage(healthy);
    try {
      const child = spawn(
        process.execPath,
        [CLI, '--only', 'environment,scheme,dns,tcp,ca-bundle', ...staged.invocation.args],
        {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: staged.home, ...staged.invocation.env },
          cwd: staged.home,
          stdio: ['ignore', stdout, 'pipe'],
        },
      );
      let stderr = '';
      child.stderr!.on('data', (d) => {
        stderr += d;
      });
      // As `eliza-doctor | head -1`: the reader goes after its first read.
      if (closeAfterFirstRead) child.stdout!.once('data', () => child.stdout!.destroy());
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, stderr };
    } finally {
      await staged.close();
    }
  };

  it('a reader that leaves early (| head): the run ends as it would, no stack trace', async () => {
    const result = await run('pipe', true);
    noStack(result.stderr);
    assert.equal(result.code, 0, result.stderr);
  });

  // SIGXFSZ ignored: the write past the limit fails with EFBIG, as a full disk fails with ENOSPC.
  // The file already holds 600 bytes: what is written next fits only in part (the limit is 1 KiB).
  for (const args of [
    ['--offline', '--json', '--only', 'environment'],
    ['list', '--long'],
  ]) {
    it(`${args.join(' ')} cut short by a file-size limit part-way (one write, some of it written): exit 3, not a silent 0`, {
      skip: spawnSync('bash', ['-c', 'true']).status !== 0 && 'no bash here',
    }, () => {
      const dir = tempDir();
      const report = path.join(dir, 'report.txt');
      writeFileSync(report, ' '.repeat(600));
      const result = spawnSync(
        'bash',
        ['-c', `trap '' XFSZ; ulimit -f 1; exec "$0" "$@" >> "${report}"`, process.execPath, CLI, ...args],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempHome() }, encoding: 'utf8' },
      );
      noStack(result.stderr);
      assert.equal(result.status, 3, result.stderr);
      assert.match(result.stderr, /cannot write to stdout: EFBIG/);
    });
  }

  for (const args of [['--help'], ['--version'], ['list'], ['completion']]) {
    it(`${args.join(' ')} to a full device: exit 3 and one line, answered by yargs or the launcher alike`, {
      skip: !existsSync('/dev/full') && 'no /dev/full here',
    }, () => {
      const full = openSync('/dev/full', 'w');
      try {
        const result = spawnSync(process.execPath, [CLI, ...args], {
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempHome() },
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        });
        noStack(result.stderr);
        assert.equal(result.status, 3, result.stderr);
        assert.match(result.stderr, /cannot write to stdout: ENOSPC/);
      } finally {
        closeSync(full);
      }
    });
  }

  it('a stdout that cannot be written (a full disk): exit 3 and one line saying so', {
    skip: !existsSync('/dev/full') && 'no /dev/full here',
  }, async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = await run(full, false);
      noStack(result.stderr);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /cannot write to stdout: ENOSPC/);
    } finally {
      closeSync(full);
    }
  });
});
