import { defineCommand } from '../cli/command.ts';

export const setupCommand = defineCommand({
  names: ['setup [client]'],
  describe: 'print the config that points an AI client at Eliza (setup claude-code, setup codex, ...)',
  flags: ['baseUrl'],
  async run(options, io) {
    const { SETUP_SNIPPETS } = await import('../clients/setup.ts');
    const { buildConfig } = await import('../config.ts');
    const { ELIZA_ROUTES } = await import('../clients/routes.ts');
    const { installedBundlePath } = await import('../trust/locations.ts');
    const names = Object.keys(SETUP_SNIPPETS).sort();
    const asked = io.args[io.args.indexOf('setup') + 1];
    const wanted = asked && !asked.startsWith('-') ? asked : null;
    const snippet = wanted ? SETUP_SNIPPETS[wanted] : undefined;
    if (!snippet) {
      io.err(
        `eliza-doctor setup: ${wanted ? `no client called ${JSON.stringify(wanted)}` : 'name a client'}; one of: ${names.join(', ') || '(none yet)'}\n`,
      );
      return 2;
    }
    const config = buildConfig(options.baseUrl ? { baseUrl: options.baseUrl } : {}, io.host.env);
    const text = snippet.text({
      baseUrl: (family) => `${config.target.baseUrl}${ELIZA_ROUTES[family]}`,
      caPath: installedBundlePath(io.host),
    });
    io.err(`# ${snippet.client}: ${snippet.file}\n`);
    io.out(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
});
