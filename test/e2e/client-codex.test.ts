import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseCodexConfig } from '../../src/clients/codex.ts';
import { SIM_HOST, scenarioByName } from '../../src/sim/scenarios.ts';
import { outcomeOf, parseReport, runCli, stage } from '../helpers/cli.ts';

const healthy = scenarioByName('healthy')!;

describe('client-codex end to end', () => {
  it('fix --dry-run shows the config.toml diff and changes nothing; fix makes Codex pass; --undo restores every byte', async () => {
    const staged = await stage(healthy);
    try {
      const { home, invocation } = staged;
      const port = invocation.args[invocation.args.indexOf('--base-url') + 1]!.split(':').pop();
      const codexDir = path.join(home, '.codex');
      mkdirSync(codexDir);
      const file = path.join(codexDir, 'config.toml');
      const original = [
        '# my codex settings',
        'model = "gpt-4.1"  # the one I like',
        'model_provider = "eliza"',
        '',
        '[model_providers.eliza]  # from the wiki',
        'name = "Eliza"',
        `base_url = "http://${SIM_HOST}:${port}/openai/v1"`,
        'env_key = "ELIZA_TOKEN"',
        'wire_api = "chat"',
        '',
        '[tui]',
        'theme = "dark"',
        '',
      ].join('\n');
      writeFileSync(file, original);
      const env = { ...invocation.env, SHELL: '/bin/bash' };
      const check = async () => {
        const report = parseReport(
          (await runCli(['--json', '--only', 'client-codex', ...invocation.args], { env, home })).stdout,
        );
        return report.checks.find((c) => c.id === 'client-codex')!;
      };

      const before = await check();
      assert.equal(outcomeOf(before), 'CLIENT_WIRE_API_UNSUPPORTED');
      assert.equal(before.fix?.automated, true);

      const dry = await runCli(['fix', '--dry-run', ...invocation.args], { env, home });
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(readFileSync(file, 'utf8'), original);

      // fix's own re-check runs without the token variables (child-env.ts recheckEnv), so it
      // cannot prove the key part; the check run below, with the user's variables, does.
      const fixed = await runCli(['fix', '--yes', ...invocation.args], { env, home });
      const after = readFileSync(file, 'utf8');
      assert.ok(after.includes('# my codex settings') && after.includes('# from the wiki'));
      assert.ok(!after.includes(staged.token));
      for (const text of [dry.stdout, dry.stderr, fixed.stdout, fixed.stderr])
        assert.ok(!text.includes(staged.token));
      const parsed = parseCodexConfig(after, file, {});
      assert.equal(parsed.kind, 'ok');
      assert.equal(outcomeOf(await check()), 'pass');

      const undone = await runCli(['fix', '--undo', '--yes'], { env, home });
      assert.equal(undone.code, 0, undone.stdout + undone.stderr);
      assert.deepEqual(readFileSync(file), Buffer.from(original));
    } finally {
      await staged.close();
    }
  });

  it('Codex failing on trust alone: fix puts CODEX_CA_CERTIFICATE in the startup block, which makes it pass; --undo takes it out', async () => {
    const staged = await stage(healthy);
    try {
      const { home, invocation } = staged;
      const baseUrl = invocation.args[invocation.args.indexOf('--base-url') + 1]!;
      mkdirSync(path.join(home, '.codex'));
      writeFileSync(
        path.join(home, '.codex', 'config.toml'),
        `model = "gpt-5-mini"\nmodel_provider = "eliza"\n[model_providers.eliza]\nname = "Eliza"\nbase_url = "${baseUrl}/raw/openai/v1"\nenv_key = "ELIZA_TOKEN"\n`,
      );
      const bashrc = path.join(home, '.bashrc');
      writeFileSync(bashrc, '# mine\n');
      const env = {
        ...invocation.env,
        SHELL: '/bin/bash',
        CODEX_CA_CERTIFICATE: path.join(home, 'missing.pem'),
      };
      const codexOutcome = async (extra: Record<string, string>) => {
        const report = parseReport(
          (
            await runCli(['--json', '--only', 'client-codex', ...invocation.args], {
              env: { ...env, ...extra },
              home,
            })
          ).stdout,
        );
        return outcomeOf(report.checks.find((c) => c.id === 'client-codex')!);
      };
      assert.equal(await codexOutcome({}), 'CLIENT_CA_UNREADABLE');
      await runCli(['fix', '--yes', ...invocation.args], { env, home });
      const block = readFileSync(bashrc, 'utf8');
      const installed = path.join(home, '.local', 'share', 'eliza-doctor', 'YandexInternalCA.pem');
      assert.ok(block.includes('CODEX_CA_CERTIFICATE'));
      // This shell still names the missing file; a new terminal has the block's value.
      assert.equal(await codexOutcome({}), 'CLIENT_NEW_SHELL_ONLY');
      assert.equal(await codexOutcome({ CODEX_CA_CERTIFICATE: installed }), 'pass');
      await runCli(['fix', '--undo', '--yes'], { env, home });
      assert.equal(readFileSync(bashrc, 'utf8'), '# mine\n');
    } finally {
      await staged.close();
    }
  });

  it('setup codex prints a config Codex reads as pointed at Eliza; an unknown client is a usage error', async () => {
    const staged = await stage(healthy);
    try {
      const { home, invocation } = staged;
      const baseUrl = invocation.args[invocation.args.indexOf('--base-url') + 1]!;
      const setup = await runCli(['setup', 'codex', '--base-url', baseUrl], { env: {}, home });
      assert.equal(setup.code, 0, setup.stderr);
      const parsed = parseCodexConfig(setup.stdout, 'config.toml', {});
      assert.equal(parsed.kind, 'ok');
      if (parsed.kind === 'ok') {
        assert.equal(parsed.setup.baseUrl.value, `${baseUrl}/raw/openai/v1`);
        assert.equal(parsed.setup.wireApi.value, 'responses');
      }
      assert.equal((await runCli(['setup', 'no-such-client'], { env: {}, home })).code, 2);
    } finally {
      await staged.close();
    }
  });
});
