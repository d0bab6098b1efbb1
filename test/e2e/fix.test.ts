import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import {
  CLI,
  outcomeOf,
  parseReport,
  runCli,
  runProgram,
  type Staged,
  snapshot,
  stage,
} from '../helpers/cli.ts';

const untrusted = scenarioByName('untrusted-ca')!;

function realisticHome(home: string): void {
  // No trailing newline, an existing export, CRLF in one file, a symlinked zshrc (dotfiles repos).
  writeFileSync(path.join(home, '.bashrc'), '# ~/.bashrc\nalias ll="ls -l"\nexport EDITOR=vim');
  writeFileSync(
    path.join(home, '.profile'),
    '# ~/.profile\r\nif [ -n "$BASH_VERSION" ]; then\r\n  . "$HOME/.bashrc"\r\nfi\r\n',
  );
  mkdirSync(path.join(home, 'dotfiles'));
  writeFileSync(path.join(home, 'dotfiles', 'zshrc'), 'setopt autocd\n');
  symlinkSync(path.join(home, 'dotfiles', 'zshrc'), path.join(home, '.zshrc'));
}

/** A new interactive bash; async on purpose: the loopback gateway answers from this very process. */
function inShell(command: string, env: Record<string, string | undefined>) {
  return runProgram('bash', ['-i', '-c', command], { env });
}

/** A node one-liner that prints the gateway's status, or the error: valid in bash, zsh and fish. */
function nodeReaches(port: number): string {
  return `node -e "require('https').get('https://127.0.0.1:${port}/v1/models', (r) => { console.log('status', r.statusCode); r.resume(); }).on('error', (e) => { console.log('error', e.code); })"`;
}

function installed(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

function args(staged: Staged): string[] {
  return staged.invocation.args;
}

/** This shell as a new terminal after the fix has it: the variables the block sets. */
function trustedHere(home: string): Record<string, string> {
  const dir = path.join(home, '.local', 'share', 'eliza-doctor');
  const merged = path.join(dir, 'ca-bundle-with-internal.pem');
  return {
    NODE_EXTRA_CA_CERTS: path.join(dir, 'YandexInternalCA.pem'),
    REQUESTS_CA_BUNDLE: merged,
    SSL_CERT_FILE: merged,
    CURL_CA_BUNDLE: merged,
    GIT_SSL_CAINFO: merged,
  };
}

describe('eliza-doctor fix', () => {
  it('makes a new interactive shell trust the gateway; a second fix changes nothing; --undo restores every byte', async () => {
    const staged = await stage(untrusted);
    try {
      const home = staged.home;
      realisticHome(home);
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const before = snapshot(home);

      const broken = parseReport((await runCli(['--json', ...args(staged)], { env, home })).stdout);
      const trust = (r: typeof broken) =>
        Object.fromEntries(
          r.checks.filter((c) => c.id.startsWith('trust-')).map((c) => [c.id, outcomeOf(c)]),
        );
      assert.deepEqual(trust(broken), {
        'trust-node': 'TRUST_NODE_CA_NOT_SET',
        'trust-python': 'TRUST_PYTHON_UNTRUSTED',
        'trust-system': 'TRUST_SYSTEM_CURL_UNTRUSTED',
      });

      const fixed = await runCli(['fix', '--yes', ...args(staged)], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      assert.match(fixed.stdout, /Fixed\. Open a new terminal/);
      assert.ok(!fixed.stdout.includes(staged.token) && !fixed.stderr.includes(staged.token));
      const bashrc = readFileSync(path.join(home, '.bashrc'), 'utf8');
      assert.match(bashrc, /^# ~\/\.bashrc\nalias ll="ls -l"\nexport EDITOR=vim\n\n# >>> eliza-doctor >>>\n/);
      const profile = readFileSync(path.join(home, '.profile'), 'utf8');
      assert.match(profile, /^# ~\/\.profile\r\n/, 'the lines there keep their endings');
      assert.match(
        profile,
        /\r\n\n# >>> eliza-doctor >>>\n(?:[^\r]*\n)+# <<< eliza-doctor <<<\n$/,
        'the block is LF',
      );
      assert.ok(statSync(path.join(home, '.zshrc'), { throwIfNoEntry: false }), 'the symlink is still there');
      assert.match(
        readFileSync(path.join(home, 'dotfiles', 'zshrc'), 'utf8'),
        /NODE_EXTRA_CA_CERTS/,
        'written through the symlink',
      );

      // A brand-new interactive bash, with nothing inherited but PATH and HOME, reaches the gateway.
      const port = staged.sim.port;
      const shellEnv = { PATH: process.env.PATH, HOME: home, TERM: 'dumb' };
      const node = await inShell(nodeReaches(port), shellEnv);
      assert.match(node.stdout, /status 401/, `node in a new shell: ${node.stdout} ${node.stderr}`);
      const python = await inShell(
        `python3 -c "import ssl, urllib.request
try:
    urllib.request.urlopen('https://127.0.0.1:${port}/v1/models', context=ssl.create_default_context())
except urllib.error.HTTPError as e:
    print('status', e.code)"`,
        shellEnv,
      );
      assert.match(python.stdout, /status 401/, `python in a new shell: ${python.stdout} ${python.stderr}`);
      const curl = await inShell(
        `curl -sS -o /dev/null -w '%{http_code}' https://127.0.0.1:${port}/v1/models`,
        shellEnv,
      );
      assert.equal(curl.stdout.trim(), '401', `curl in a new shell: ${curl.stderr}`);

      // zsh and fish, where installed: a brand-new one of each reaches the gateway too.
      for (const shell of ['zsh', 'fish'].filter(installed)) {
        const reached = await runProgram(shell, ['-i', '-c', nodeReaches(port)], { env: shellEnv });
        assert.match(
          reached.stdout,
          /status 401/,
          `node in a new ${shell}: ${reached.stdout} ${reached.stderr}`,
        );
      }

      const afterFix = snapshot(home);
      const again = await runCli(['fix', '--yes', ...args(staged)], { env, home });
      assert.equal(again.code, 0, again.stdout);
      assert.deepEqual(snapshot(home), afterFix, 'a second fix changes no byte');

      const undone = await runCli(['fix', '--undo'], { env, home });
      assert.equal(undone.code, 0, undone.stdout);
      assert.deepEqual(
        snapshot(home),
        before,
        '--undo restores every file byte for byte and removes what it created',
      );
    } finally {
      await staged.close();
    }
  });

  it('a CRLF startup file: the block goes in LF, the new terminal works, STARTUP_FILE_CRLF offers the conversion', async () => {
    const staged = await stage(untrusted);
    try {
      const home = staged.home;
      const login = installed('zsh') ? 'zsh' : 'bash';
      const rc = path.join(home, login === 'zsh' ? '.zshrc' : '.bashrc');
      writeFileSync(rc, '# edited on Windows\r\nalias ll="ls -l"\r\n');
      const env = { ...staged.invocation.env, SHELL: `/bin/${login}` };
      const fixed = await runCli(['fix', '--yes', ...args(staged)], { env, home });
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      const text = readFileSync(rc, 'utf8');
      assert.ok(text.startsWith('# edited on Windows\r\nalias ll="ls -l"\r\n'));
      assert.ok(!text.slice(text.indexOf('# >>> eliza-doctor')).includes('\r'));
      const shellEnv = { PATH: process.env.PATH, HOME: home, TERM: 'dumb' };
      const reached = await runProgram(login, ['-i', '-c', nodeReaches(staged.sim.port)], { env: shellEnv });
      assert.match(reached.stdout, /status 401/, `node in a new ${login}: ${reached.stdout}`);

      const report = parseReport(
        (
          await runCli(['--json', '--only', 'trust-node', ...args(staged)], {
            env: { ...env, ...trustedHere(home) },
            home,
          })
        ).stdout,
      );
      const node = report.checks.find((c) => c.id === 'trust-node')!;
      assert.equal(node.code, 'STARTUP_FILE_CRLF');
      assert.equal(node.status, 'warn');
      assert.ok(node.fix!.commands.some((c) => c.includes(`tr -d '\\r'`) && c.includes('.crlf.bak')));
      assert.equal((node.data.newTerminal as { source: string }).source, 'shell');
    } finally {
      await staged.close();
    }
  });

  it('--dry-run shows a unified diff and changes nothing', async () => {
    const staged = await stage(untrusted);
    try {
      realisticHome(staged.home);
      const before = snapshot(staged.home);
      const result = await runCli(['fix', '--dry-run', ...args(staged)], {
        env: { ...staged.invocation.env, SHELL: '/bin/bash' },
        home: staged.home,
      });
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /\+\+\+ b.*\.bashrc/);
      assert.match(
        result.stdout,
        /\+export NODE_EXTRA_CA_CERTS="\$HOME\/\.local\/share\/eliza-doctor\/YandexInternalCA\.pem"/,
      );
      assert.match(result.stdout, /Dry run: nothing was changed/);
      assert.deepEqual(snapshot(staged.home), before);
    } finally {
      await staged.close();
    }
  });

  it('refuses a tampered bundle and writes nothing', async () => {
    const staged = await stage(scenarioByName('ca-foreign')!);
    try {
      realisticHome(staged.home);
      const before = snapshot(staged.home);
      const result = await runCli(['fix', '--yes', ...args(staged)], {
        env: { ...staged.invocation.env, SHELL: '/bin/bash' },
        home: staged.home,
      });
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        /Cannot fix: there is no verified internal CA to install \(CA_NO_PINNED_ROOT/,
      );
      assert.deepEqual(snapshot(staged.home), before);
    } finally {
      await staged.close();
    }
  });

  it('asks before changing anything, and without a terminal changes nothing', async () => {
    const staged = await stage(untrusted);
    try {
      const before = snapshot(staged.home);
      const result = await runCli(['fix', ...args(staged)], {
        env: staged.invocation.env,
        home: staged.home,
      });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /Run \S.* fix --yes .* to apply\. Nothing was changed\./);
      assert.deepEqual(snapshot(staged.home), before);
    } finally {
      await staged.close();
    }
  });

  it('leaves a read-only startup file alone, says why, and fixes the rest', async () => {
    const staged = await stage(untrusted);
    try {
      const readOnly = path.join(staged.home, '.bash_profile');
      writeFileSync(readOnly, '. ~/.bashrc\n');
      chmodSync(readOnly, 0o444);
      chmodSync(staged.home, 0o755);
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const result = await runCli(['fix', '--yes', ...args(staged)], { env, home: staged.home });
      assert.match(result.stdout, /leave .*\.bash_profile alone: read-only/);
      assert.equal(readFileSync(readOnly, 'utf8'), '. ~/.bashrc\n');
      assert.match(readFileSync(path.join(staged.home, '.bashrc'), 'utf8'), /NODE_EXTRA_CA_CERTS/);
      assert.equal(result.code, 0, result.stdout);
    } finally {
      await staged.close();
    }
  });

  it('env prints the lines for eval, in fish syntax under fish', async () => {
    const staged = await stage(untrusted);
    try {
      const env = { ...staged.invocation.env, SHELL: '/bin/bash' };
      const none = await runCli(['env'], { env, home: staged.home });
      assert.equal(none.code, 1);
      assert.equal(none.stdout, '');
      await runCli(['fix', '--yes', ...args(staged)], { env, home: staged.home });
      const bash = await runCli(['env'], { env, home: staged.home });
      assert.match(bash.stdout, /^export NODE_EXTRA_CA_CERTS='?.*YandexInternalCA\.pem'?;$/m);
      const fish = await runCli(['env', '--shell', 'fish'], { env, home: staged.home });
      assert.match(fish.stdout, /^set -gx SSL_CERT_FILE '?.*\.pem'?;$/m);
      const evaluated = await inShell(`eval "$(node ${CLI} env)" && printenv NODE_EXTRA_CA_CERTS`, {
        PATH: process.env.PATH,
        HOME: staged.home,
        SHELL: '/bin/bash',
      });
      assert.match(evaluated.stdout, /YandexInternalCA\.pem/);
    } finally {
      await staged.close();
    }
  });
});
