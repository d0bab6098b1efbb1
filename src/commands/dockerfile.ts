import { defineCommand } from '../cli/command.ts';

export const dockerfileCommand = defineCommand({
  names: ['dockerfile'],
  describe:
    'print the Dockerfile lines that bake the verified internal CA into an image (--devcontainer: devcontainer.json)',
  flags: ['base', 'devcontainer', 'caFile', 'caSha256'],
  async run(options, io) {
    const { bakeTrust } = await import('../onboard/dockerfile.ts');
    const output = await bakeTrust(options, io.host);
    io.out(output.stdout);
    io.err(output.stderr);
    return output.code;
  },
});
