import path from 'node:path';
import type { Host } from '../host.ts';
import type { ContainerFacts, WslFacts } from '../platform.ts';
import { installedBundlePath } from '../trust/locations.ts';

export function containerName(container: ContainerFacts): string {
  switch (container.kind) {
    case 'devcontainer':
      return 'a dev container';
    case 'codespaces':
      return 'a GitHub Codespace';
    case 'kubernetes':
      return 'a Kubernetes pod';
    case 'container':
      return 'a container';
    default:
      return `a ${container.kind} container`;
  }
}

/** What the report says about running in a container: the fix is as short-lived as the container. */
export function containerNotes(container: ContainerFacts): string[] {
  return [
    `running in ${containerName(container)} (${container.evidence.join('; ')})`,
    'a fix made here lasts only as long as this container: a rebuilt or new container starts without the internal CA',
    'to bake trust into the image: eliza-doctor dockerfile (the Dockerfile lines), eliza-doctor dockerfile --devcontainer (devcontainer.json)',
  ];
}

export interface WindowsStoreAdvice {
  /** The doctor's installed CA bundle as Windows names it, or null when it could not be named. */
  windowsPath: string | null;
  /** To run in a Windows terminal (cmd or PowerShell), not in WSL. */
  command: string;
  installed: boolean;
}

/**
 * The Windows side of a WSL machine has its own store. The command names the doctor's installed
 * bundle, which starts with the pinned root (verified bundles keep roots first): certutil adds
 * what it reads, and the root is what Windows programs need.
 */
export async function windowsStoreAdvice(host: Host, wsl: WslFacts): Promise<WindowsStoreAdvice> {
  const bundle = installedBundlePath(host);
  const installed = await host.stat(bundle).then(
    (s) => s.isFile(),
    () => false,
  );
  let windowsPath: string | null = null;
  const translated = await host.exec('wslpath', ['-w', bundle], { env: host.env, timeoutMs: 3000 });
  const line = translated.stdout.trim();
  if (translated.code === 0 && /^(\\\\|[A-Za-z]:\\)/.test(line) && !line.includes('\n')) windowsPath = line;
  else if (wsl.distro)
    windowsPath = `\\\\wsl.localhost\\${wsl.distro}${bundle.split(path.posix.sep).join('\\')}`;
  const command = windowsPath
    ? `certutil -user -addstore Root "${windowsPath}"`
    : `certutil.exe -user -addstore Root "$(wslpath -w '${bundle.replace(/'/g, "'\\''")}')"`;
  return { windowsPath, command, installed };
}

export function wslNotes(wsl: WslFacts, advice: WindowsStoreAdvice): string[] {
  return [
    `WSL ${wsl.version}${wsl.distro ? ` (${wsl.distro})` : ''}, by ${wsl.evidence}: this Linux side is diagnosed and fixed as Linux`,
    "VS Code's WSL extension host runs on this Linux side: the Linux fix covers extensions run there",
    'Windows programs do not see this fix. These read the Windows store: browsers, VS Code started on Windows (not in a "WSL:" window) and its extensions, curl.exe, Python\'s ssl module (urllib, aiohttp), Git with http.sslBackend=schannel, Node with --use-system-ca',
    "Windows Node (without --use-system-ca) and requests read neither store: on Windows set NODE_EXTRA_CA_CERTS to a copy of the CA file, REQUESTS_CA_BUNDLE to a copy of fix's ca-bundle-with-internal.pem (public roots plus the CA)",
    `to add the internal CA there, run in a Windows terminal (cmd or PowerShell): ${advice.command}${advice.installed ? '' : ' (after eliza-doctor fix has installed it here)'}`,
  ];
}
