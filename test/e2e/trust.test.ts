import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { type JsonCheck, parseReport, pki, runCli, stage } from '../helpers/cli.ts';

async function checkWith(
  scenario: string,
  only: string,
  prepare: (home: string, env: Record<string, string>) => Record<string, string>,
  extraArgs: string[] = [],
): Promise<JsonCheck[]> {
  const staged = await stage(scenarioByName(scenario)!);
  try {
    const env = prepare(staged.home, { ...staged.invocation.env, SHELL: '/bin/bash' });
    const result = await runCli(['--json', '--only', only, ...staged.invocation.args, ...extraArgs], {
      env,
      home: staged.home,
    });
    assert.ok(!result.stdout.includes(staged.token));
    return parseReport(result.stdout).checks;
  } finally {
    await staged.close();
  }
}

describe('insecure-settings', () => {
  it('finds verification switched off in the environment, startup files, npm, git, curl and pip', async () => {
    const [check] = await checkWith('healthy', 'insecure-settings', (home, env) => {
      writeFileSync(path.join(home, '.bashrc'), 'export PYTHONHTTPSVERIFY=0\n');
      writeFileSync(path.join(home, '.npmrc'), 'registry=https://example.invalid/\nstrict-ssl=false\n');
      writeFileSync(path.join(home, '.gitconfig'), '[http]\n\tsslVerify = false\n');
      writeFileSync(path.join(home, '.curlrc'), 'insecure\n');
      return { ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0', GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig') };
    });
    assert.equal(check!.status, 'warn');
    assert.equal(check!.code, 'INSECURE_NODE_TLS');
    const codes = (check!.data.findings as { code: string }[]).map((f) => f.code).sort();
    assert.deepEqual(codes, [
      'INSECURE_CURLRC',
      'INSECURE_GIT_SSL',
      'INSECURE_NODE_TLS',
      'INSECURE_NPM_STRICT_SSL',
      'INSECURE_PYTHON_VERIFY',
    ]);
    assert.ok(check!.fix!.commands.includes('unset NODE_TLS_REJECT_UNAUTHORIZED'));
    assert.ok(
      !JSON.stringify(check!.fix).match(/NODE_TLS_REJECT_UNAUTHORIZED=0|--insecure|verify=False/),
      'never recommends it',
    );
  });

  it('does not let NODE_TLS_REJECT_UNAUTHORIZED=0 weaken the doctor itself', async () => {
    const checks = await checkWith('intercepted', 'tls,token', (_home, env) => ({
      ...env,
      NODE_TLS_REJECT_UNAUTHORIZED: '0',
    }));
    assert.deepEqual(
      checks.map((c) => c.code),
      ['TLS_UNKNOWN_ISSUER', 'DEPENDENCY_NOT_MET'],
    );
  });
});

describe('trust-node: this shell and a new terminal', () => {
  it('says when only new terminals are fixed', async () => {
    const [check] = await checkWith('untrusted-ca', 'trust-node', (home, env) => {
      const file = path.join(home, 'ca.pem');
      writeFileSync(file, pki().bundlePem);
      writeFileSync(path.join(home, '.bashrc'), 'export NODE_EXTRA_CA_CERTS="$HOME/ca.pem"\n');
      return env;
    });
    assert.equal(check!.code, 'TRUST_NODE_NEW_SHELL_ONLY');
    assert.equal((check!.data.newTerminal as { authorized: boolean }).authorized, true);
  });

  it('asks the shell: a file sourced from ~/.bashrc counts, and the details name where it was set', async () => {
    const [check] = await checkWith('untrusted-ca', 'trust-node', (home, env) => {
      writeFileSync(path.join(home, 'ca.pem'), pki().bundlePem);
      mkdirSync(path.join(home, '.config'));
      writeFileSync(path.join(home, '.bashrc'), 'echo "Welcome back"\n. ~/.config/eliza.sh\n');
      writeFileSync(path.join(home, '.config', 'eliza.sh'), 'export NODE_EXTRA_CA_CERTS="$HOME/ca.pem"\n');
      return env;
    });
    assert.equal(check!.code, 'TRUST_NODE_NEW_SHELL_ONLY');
    const facts = check!.data.newTerminal as { value: string; from: string; source: string };
    assert.equal(facts.source, 'shell');
    assert.match(facts.value, /\/ca\.pem$/);
    assert.match(facts.from, /\.config\/eliza\.sh:1$/);
  });

  it('an ssh session starts login shells: a variable only in ~/.bash_profile reaches its new terminals', async () => {
    const [check] = await checkWith('untrusted-ca', 'trust-node', (home, env) => {
      writeFileSync(path.join(home, 'ca.pem'), pki().bundlePem);
      writeFileSync(path.join(home, '.bash_profile'), 'export NODE_EXTRA_CA_CERTS="$HOME/ca.pem"\n');
      return { ...env, SSH_CONNECTION: '10.0.0.1 50000 10.0.0.2 22' };
    });
    assert.equal(check!.code, 'TRUST_NODE_NEW_SHELL_ONLY');
    assert.match((check!.data.newTerminal as { from: string }).from, /\.bash_profile:1$/);
  });

  it('a startup file that hangs: bounded, the files read instead, and the check still judges', async () => {
    const [check] = await checkWith(
      'untrusted-ca',
      'trust-node',
      (home, env) => {
        writeFileSync(path.join(home, 'ca.pem'), pki().bundlePem);
        writeFileSync(path.join(home, '.bashrc'), 'export NODE_EXTRA_CA_CERTS="$HOME/ca.pem"\nsleep 60\n');
        return env;
      },
      ['--timeout', '1500'],
    );
    assert.equal(check!.code, 'TRUST_NODE_NEW_SHELL_ONLY');
    const facts = check!.data.newTerminal as { source: string; shells: { status: string }[] };
    assert.equal(facts.source, 'startup-files');
    assert.equal(facts.shells[0]!.status, 'timeout');
  });

  it('a CRLF ~/.bashrc: the CR is part of the value a new terminal gets, and that is the one cause named', async () => {
    const [check] = await checkWith('untrusted-ca', 'trust-node', (home, env) => {
      writeFileSync(path.join(home, 'ca.pem'), pki().bundlePem);
      writeFileSync(
        path.join(home, '.bashrc'),
        '# from Windows\r\nexport NODE_EXTRA_CA_CERTS="$HOME/ca.pem"\r\n',
      );
      return env;
    });
    assert.equal(check!.status, 'fail');
    assert.equal(check!.code, 'STARTUP_FILE_CRLF');
    const facts = check!.data.newTerminal as { value: string; crlf: string[]; authorized: boolean };
    assert.equal(facts.authorized, false, "the new terminal's Node cannot load the file");
    assert.equal(facts.crlf.length, 1);
    assert.ok(
      check!.fix!.automated,
      'fix writes an LF block, which sets the right value after the CRLF line',
    );
  });

  it('says when this shell works but a new terminal will not', async () => {
    const [check] = await checkWith('healthy', 'trust-node', (home, env) => {
      writeFileSync(path.join(home, '.bashrc'), 'export NODE_EXTRA_CA_CERTS=/nonexistent/ca.pem\n');
      return env;
    });
    assert.equal(check!.code, 'TRUST_NODE_NOT_PERSISTENT');
    assert.match(check!.summary, /does not exist/);
  });

  it('hears Node itself complain about a bad file', async () => {
    const [check] = await checkWith('healthy', 'trust-node', (home, env) => {
      const file = path.join(home, 'broken.pem');
      writeFileSync(file, '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
      return { ...env, NODE_EXTRA_CA_CERTS: file };
    });
    assert.equal(check!.code, 'TRUST_NODE_CA_FILE_MALFORMED');
  });
});

describe('trust-python', () => {
  it('passing, names requests only where this python3 has it', async () => {
    const [check] = await checkWith('healthy', 'trust-python', (_home, env) => env);
    if (check!.status === 'skip') return; // no python3 here: the skip has its own test
    assert.equal(check!.status, 'pass', check!.summary);
    const requests = (check!.data as { requests: string | null }).requests;
    assert.equal(/both as requests/.test(check!.summary), requests !== null, check!.summary);
  });

  it('warns about a bundle of internal CAs only', async () => {
    const [check] = await checkWith('healthy', 'trust-python', (home, env) => {
      const file = path.join(home, 'internal-only.pem');
      writeFileSync(file, pki().bundlePem);
      return { ...env, REQUESTS_CA_BUNDLE: file };
    });
    assert.equal(check!.code, 'TRUST_PYTHON_INTERNAL_ONLY_BUNDLE');
  });

  it('fails a bundle variable that names no file', async () => {
    const [check] = await checkWith('healthy', 'trust-python', (_home, env) => ({
      ...env,
      REQUESTS_CA_BUNDLE: '/nonexistent/bundle.pem',
    }));
    assert.equal(check!.code, 'TRUST_PYTHON_BUNDLE_MISSING');
  });

  it('skips, saying why, where there is no python3', async () => {
    const [check] = await checkWith('healthy', 'trust-python', (home, env) => ({
      ...env,
      PATH: path.join(home, 'no-programs-here'),
    }));
    assert.equal(check!.status, 'skip');
    assert.equal(check!.code, 'TRUST_PYTHON_NOT_FOUND');
  });
});
