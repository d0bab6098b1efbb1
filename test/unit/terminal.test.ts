import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { realHost } from '../../src/host.ts';
import type { ShellKind } from '../../src/trust/shell.ts';
import { askShell, parseMarked, resolveNewTerminal } from '../../src/trust/terminal.ts';
import { tempHome } from '../helpers/cli.ts';
import { fakeHost } from '../helpers/fakes.ts';

/**
 * The shell's own answer, as the issue defines the truth: `SHELL -i -c 'echo $NODE_EXTRA_CA_CERTS'`.
 * In a session of its own, like the doctor's: an interactive shell run from a developer's terminal
 * would otherwise take that terminal over.
 */
function shellSays(shell: string, home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-i', '-c', 'echo "$NODE_EXTRA_CA_CERTS"'], {
      env: { PATH: process.env.PATH, HOME: home, TERM: 'dumb' },
      cwd: home,
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(killer);
      resolve(out.split('\n').at(-2) ?? '');
    });
  });
}

function installed(shell: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

const BOUND_MS = 1500;

/** A fresh HOME holding the files, with the login shell set, and the doctor's view of a new terminal. */
async function newTerminalIn(
  shell: string,
  files: Record<string, string>,
  extraEnv: Record<string, string> = {},
) {
  const home = tempHome();
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(home, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const host = realHost({ PATH: process.env.PATH!, HOME: home, SHELL: shell, ...extraEnv });
  const started = Date.now();
  const terminal = await resolveNewTerminal(host, { timeoutMs: BOUND_MS });
  return { home, terminal, ms: Date.now() - started, value: terminal.env.NODE_EXTRA_CA_CERTS ?? '' };
}

const rcOf: Record<ShellKind, string> = { bash: '.bashrc', zsh: '.zshrc', fish: '.config/fish/config.fish' };
const posix = (text: string) => text;

/** Each case: startup files for a shell (its own syntax), and what the reading of files misses. */
function cases(shell: ShellKind): { what: string; files: Record<string, string>; unfollowed?: string }[] {
  const rc = rcOf[shell];
  const fish = shell === 'fish';
  const set = (value: string) =>
    fish ? `set -gx NODE_EXTRA_CA_CERTS ${value}` : `export NODE_EXTRA_CA_CERTS=${value}`;
  return [
    {
      what: 'a sourced file',
      files: {
        [rc]: fish ? 'source ~/.config/eliza.fish\n' : '. ~/.config/eliza.sh\n',
        [fish ? '.config/eliza.fish' : '.config/eliza.sh']: `${set('"$HOME/sourced.pem"')}\n`,
      },
    },
    {
      what: 'a loop over a folder',
      files: {
        [rc]: fish
          ? 'for f in ~/.config/fish/eliza.d/*.fish\n  source $f\nend\n'
          : posix('for f in ~/.rc.d/*.sh; do . "$f"; done\n'),
        [fish ? '.config/fish/eliza.d/ca.fish' : '.rc.d/ca.sh']: `${set('/from/a/loop.pem')}\n`,
      },
      unfollowed: 'loop',
    },
    {
      what: 'a conditional export whose condition fails',
      files: {
        [rc]: fish
          ? `test -f ~/missing.pem; and ${set('~/missing.pem')}\n`
          : `[ -f ~/missing.pem ] && ${set('~/missing.pem')}\n`,
      },
      unfollowed: 'conditional',
    },
    {
      what: 'a value built from other variables',
      files: {
        [rc]: fish
          ? `set CA_DIR $HOME/certs\n${set('$CA_DIR/ca.pem')}\n`
          : `CA_DIR="$HOME/certs"\n${set('"$CA_DIR/ca.pem"')}\n`,
      },
      unfollowed: 'computed',
    },
    { what: 'CRLF line endings', files: { [rc]: `# edited on Windows\r\n${set('/crlf/ca.pem')}\r\n` } },
    {
      what: 'an rc that prints text',
      files: { [rc]: `echo Welcome; echo NODE_EXTRA_CA_CERTS=/printed.pem\n${set('/real.pem')}\n` },
    },
    {
      what: 'an rc that reads stdin',
      files: { [rc]: `${fish ? 'read -l answer' : 'read -r answer'}\n${set('/after-read.pem')}\n` },
    },
  ];
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  const binary = installed(shell);
  describe(`a new ${shell} terminal`, () => {
    if (!binary) {
      it(`${shell} is not installed: the startup files are read instead, and the details say so`, async () => {
        const { terminal, value } = await newTerminalIn(shell, {
          [rcOf[shell]]:
            `${shell === 'fish' ? 'set -gx NODE_EXTRA_CA_CERTS /f.pem' : 'export NODE_EXTRA_CA_CERTS=/f.pem'}\n`,
        });
        assert.equal(terminal.source, 'startup-files');
        assert.equal(terminal.answers[0]!.status, 'missing');
        assert.equal(value, '/f.pem');
        assert.equal(terminal.notes.length, 1);
      });
      return;
    }
    for (const c of cases(shell)) {
      it(`${c.what}: the doctor's view is the shell's own`, async () => {
        const { home, terminal, value } = await newTerminalIn(binary, c.files);
        assert.equal(terminal.source, 'shell', terminal.notes.join('; '));
        assert.equal(value, await shellSays(binary, home));
        if (c.unfollowed) {
          const d = terminal.disagreements.find((x) => x.name === 'NODE_EXTRA_CA_CERTS');
          assert.ok(d, 'the reading of the files disagrees');
          assert.ok(
            d.unfollowed.some((u) => u.kind === c.unfollowed),
            `names the ${c.unfollowed}: ${JSON.stringify(d.unfollowed)}`,
          );
        }
      });
    }

    it('an rc that sleeps past the bound: stopped at the bound, every process gone, the files read instead', async () => {
      const sleeper = `${4000 + Math.floor(Math.random() * 1000)}.${process.pid}`;
      const set =
        shell === 'fish' ? 'set -gx NODE_EXTRA_CA_CERTS /slow.pem' : 'export NODE_EXTRA_CA_CERTS=/slow.pem';
      const { terminal, value, ms } = await newTerminalIn(binary, {
        [rcOf[shell]]: `${set}\nsleep ${sleeper}\n`,
      });
      assert.ok(ms < BOUND_MS + 1500, `took ${ms} ms`);
      assert.equal(terminal.answers[0]!.status, 'timeout');
      assert.equal(terminal.source, 'startup-files');
      assert.equal(value, '/slow.pem');
      assert.equal(terminal.notes.length >= 1, true);
      const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      assert.ok(!ps.includes(`sleep ${sleeper}`), 'the sleeping child was killed with its shell');
    });

    it('an rc that reads the terminal itself (/dev/tty): there is none to wait on', async () => {
      const set =
        shell === 'fish' ? 'set -gx NODE_EXTRA_CA_CERTS /tty.pem' : 'export NODE_EXTRA_CA_CERTS=/tty.pem';
      const read = shell === 'fish' ? 'read -l answer < /dev/tty' : 'read answer < /dev/tty';
      const { terminal, value, ms } = await newTerminalIn(binary, { [rcOf[shell]]: `${read}\n${set}\n` });
      assert.equal(terminal.source, 'shell', terminal.notes.join('; '));
      assert.equal(value, '/tty.pem');
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    });

    it('an rc that replaces the shell (exec): a clear note, the files read instead', async () => {
      const set =
        shell === 'fish' ? 'set -gx NODE_EXTRA_CA_CERTS /e.pem' : 'export NODE_EXTRA_CA_CERTS=/e.pem';
      const { terminal, value } = await newTerminalIn(binary, { [rcOf[shell]]: `${set}\nexec true\n` });
      assert.equal(terminal.answers[0]!.status, 'failed');
      assert.equal(terminal.source, 'startup-files');
      assert.equal(value, '/e.pem');
    });

    it(`not on PATH and not $SHELL: the startup files are read instead, and the details say so`, async () => {
      const { terminal, value } = await newTerminalIn(
        shell,
        {
          [rcOf[shell]]:
            `${shell === 'fish' ? 'set -gx NODE_EXTRA_CA_CERTS /f.pem' : 'export NODE_EXTRA_CA_CERTS=/f.pem'}\n`,
        },
        { PATH: '/nonexistent' },
      );
      assert.equal(terminal.answers[0]!.status, 'missing');
      assert.equal(terminal.source, 'startup-files');
      assert.equal(value, '/f.pem');
      assert.equal(terminal.notes.length, 1);
    });
  });
}

describe('a startup file that leaves a program running', () => {
  const bash = installed('bash')!;
  it('one that left the session (setsid) and holds the output: the answer does not wait for it', async (t) => {
    if (!installed('setsid')) return t.skip('no setsid here');
    const seconds = `${20 + Math.floor(Math.random() * 10)}.${process.pid}`;
    const { terminal, value, ms } = await newTerminalIn(bash, {
      '.bashrc': `export NODE_EXTRA_CA_CERTS=/d.pem\nsetsid sleep ${seconds} &\n`,
    });
    try {
      assert.equal(terminal.source, 'shell');
      assert.equal(value, '/d.pem');
      assert.ok(ms < BOUND_MS, `took ${ms} ms`);
    } finally {
      const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
      for (const line of ps.split('\n').filter((l) => l.trim().endsWith(`sleep ${seconds}`))) {
        process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      }
    }
  });
});

describe('a startup file that sources a FIFO', () => {
  it('the shell blocks and is stopped at the bound; the reading of the files does not block', async () => {
    const home = tempHome();
    execFileSync('mkfifo', [path.join(home, 'pipe')]);
    writeFileSync(path.join(home, '.bashrc'), 'export NODE_EXTRA_CA_CERTS=/before.pem\n. ~/pipe\n');
    const host = realHost({ PATH: process.env.PATH!, HOME: home, SHELL: installed('bash')! });
    const started = Date.now();
    const terminal = await resolveNewTerminal(host, { timeoutMs: BOUND_MS });
    assert.ok(Date.now() - started < BOUND_MS + 1500);
    assert.equal(terminal.answers[0]!.status, 'timeout');
    assert.equal(terminal.env.NODE_EXTRA_CA_CERTS, '/before.pem');
    assert.equal(terminal.scan.sourced[0]?.error, 'not a regular file');
  });
});

describe('login shells (macOS Terminal, ssh)', () => {
  const bash = installed('bash')!;
  it('a variable only in ~/.bash_profile: an ssh session has it, and the doctor says so', async () => {
    const files = { '.bash_profile': 'export NODE_EXTRA_CA_CERTS=/login.pem\n' };
    const ssh = await newTerminalIn(bash, files, { SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22' });
    assert.equal(ssh.terminal.login, true);
    assert.equal(ssh.value, '/login.pem');
    assert.equal(ssh.terminal.from?.file, path.join(ssh.home, '.bash_profile'));
    const local = await newTerminalIn(bash, files);
    assert.equal(local.terminal.login, false);
    assert.equal(local.value, '', 'an interactive non-login bash does not read ~/.bash_profile');
    const loginRun = local.terminal.answers.find((a) => a.shell === 'bash' && a.login);
    assert.equal(loginRun?.values.NODE_EXTRA_CA_CERTS, '/login.pem', 'the login kind is modelled too');
  });

  it('with no shell to ask, ~/.profile read for a login shell', async () => {
    const ssh = await newTerminalIn(
      'bash',
      { '.profile': 'export NODE_EXTRA_CA_CERTS="$HOME/p.pem"\n' },
      { SSH_TTY: '/dev/pts/0', PATH: '/nonexistent' },
    );
    assert.equal(ssh.terminal.source, 'startup-files');
    assert.equal(ssh.value, path.join(ssh.home, 'p.pem'));
  });
});

describe('reading what the shell printed', () => {
  const m = 'eliza-doctor-0123';
  it('ignores what startup files print around the markers; keeps newlines and empty values', () => {
    const out = `hello\n${m}:var:X\nfake\n${m}:begin\n${m}:var:NODE_EXTRA_CA_CERTS\n/a\nb\n\n${m}:var:SSL_CERT_FILE\n\n${m}:local:CURL_CA_BUNDLE\n${m}:end\nbye\n`;
    const parsed = parseMarked(out, m)!;
    assert.equal(parsed.values.NODE_EXTRA_CA_CERTS, '/a\nb\n');
    assert.equal(parsed.values.SSL_CERT_FILE, '');
    assert.equal(parsed.values.CURL_CA_BUNDLE, null);
    assert.deepEqual(parsed.unexported, ['CURL_CA_BUNDLE']);
  });
  it('no end marker: the shell did not get there', () => {
    assert.equal(parseMarked(`${m}:begin\n${m}:var:X\n/a\n`, m), null);
    assert.equal(parseMarked('', m), null);
  });
  it('a shell that times out or cannot start, through the Host port', async () => {
    const host = fakeHost({ HOME: '/home/user', SOY_TOKEN: 'y1_secret' });
    host.exec = async () => ({ code: null, stdout: '', stderr: '', timedOut: true, error: null });
    assert.equal((await askShell(host, 'zsh', false, '/bin/zsh', 100)).status, 'timeout');
    host.exec = async () => ({ code: null, stdout: '', stderr: '', timedOut: false, error: 'EACCES' });
    assert.equal((await askShell(host, 'zsh', false, '/bin/zsh', 100)).status, 'failed');
    let seen: { session?: boolean; env: Record<string, string | undefined> } | null = null;
    host.exec = async (_file, _args, options) => {
      seen = options;
      return { code: 0, stdout: '', stderr: 'zsh: exit 1\n', timedOut: false, error: null };
    };
    const failed = await askShell(host, 'zsh', true, '/bin/zsh', 100);
    assert.equal(failed.status, 'failed');
    assert.equal(seen!.session, true, 'its own session: no terminal to take, the group killed on timeout');
    assert.equal(seen!.env.TERM, 'dumb');
    assert.equal(seen!.env.SOY_TOKEN, undefined, 'the shell gets no token');
  });

  it('a shell answering through a fake Host: its value wins, and the reading of the files is explained', async () => {
    const host = fakeHost(
      { HOME: '/home/user', SHELL: '/bin/zsh' },
      { '/home/user/.zshrc': 'for f in ~/.zsh.d/*.zsh; do source $f; done\n' },
    );
    host.stat = async () => ({ isFile: () => true, isDirectory: () => false }) as never;
    host.exec = async (_file, args) => {
      const marker = /'?(eliza-doctor-[0-9a-f]+):begin'?/.exec(args.at(-1)!)![1]!;
      return {
        code: 0,
        stdout: `Welcome!\n${marker}:begin\n${marker}:var:NODE_EXTRA_CA_CERTS\n/from/plugin.pem\n${marker}:end\n`,
        stderr: '',
        timedOut: false,
        error: null,
      };
    };
    const terminal = await resolveNewTerminal(host, { timeoutMs: 1000 });
    assert.equal(terminal.source, 'shell');
    assert.equal(terminal.env.NODE_EXTRA_CA_CERTS, '/from/plugin.pem');
    assert.deepEqual(
      terminal.disagreements.map((d) => [d.name, d.files, d.unfollowed.map((u) => u.kind)]),
      [['NODE_EXTRA_CA_CERTS', null, ['loop', 'source']]],
    );
  });
});
