import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentCheck } from '../../checks/environment.ts';
import type { EnvironmentFacts } from '../../src/facts.ts';
import type { Host } from '../../src/host.ts';
import {
  detectContainer,
  detectPlatform,
  detectWsl,
  linuxFamily,
  type PlatformEvidence,
  readPlatformEvidence,
} from '../../src/platform.ts';
import { fakeContext, fakeHost } from '../helpers/fakes.ts';

function evidence(over: Partial<PlatformEvidence> = {}): PlatformEvidence {
  return {
    env: {},
    platform: 'linux',
    osRelease: '6.1.0-18-amd64',
    procVersion: 'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)',
    cgroup: '0::/init.scope\n',
    dockerenv: false,
    containerenv: false,
    osReleaseFile: null,
    ...over,
  };
}

describe('container detection', () => {
  const cases: [string, Partial<PlatformEvidence>, string | null][] = [
    ['a plain Linux machine', {}, null],
    [
      'a plain machine under systemd (cgroup v1 lines without an engine)',
      { cgroup: '12:pids:/user.slice\n1:name=systemd:/init.scope\n' },
      null,
    ],
    ['/.dockerenv', { dockerenv: true }, 'docker'],
    ['/run/.containerenv (podman)', { containerenv: true }, 'podman'],
    ['container=podman', { env: { container: 'podman' } }, 'podman'],
    ['container=systemd-nspawn', { env: { container: 'systemd-nspawn' } }, 'container'],
    ['a docker cgroup (v1)', { cgroup: '12:pids:/docker/3f2a9c\n11:memory:/docker/3f2a9c\n' }, 'docker'],
    ['a containerd cgroup', { cgroup: '0::/system.slice/containerd.service/kubepods-x\n' }, 'kubernetes'],
    ['a kubepods cgroup', { cgroup: '11:cpu:/kubepods/besteffort/pod1/abc\n' }, 'kubernetes'],
    [
      'KUBERNETES_SERVICE_HOST (cgroup v2 hides the rest)',
      { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } },
      'kubernetes',
    ],
    ['a libpod cgroup', { cgroup: '0::/machine.slice/libpod-abc.scope\n' }, 'podman'],
    [
      'VS Code dev container (with /.dockerenv too)',
      { env: { REMOTE_CONTAINERS: 'true' }, dockerenv: true },
      'devcontainer',
    ],
    ['GitHub Codespaces', { env: { CODESPACES: 'true' }, dockerenv: true }, 'codespaces'],
    ['REMOTE_CONTAINERS set to something else', { env: { REMOTE_CONTAINERS: 'false' } }, null],
    [
      'macOS, whatever the variables say',
      { platform: 'darwin', env: { REMOTE_CONTAINERS: 'true' }, cgroup: null },
      null,
    ],
  ];
  for (const [what, over, kind] of cases) {
    it(what, () => {
      const found = detectContainer(evidence(over));
      assert.equal(found?.kind ?? null, kind);
      if (found) assert.ok(found.evidence.length > 0, 'says what gave it away');
    });
  }
});

describe('WSL detection', () => {
  const cases: [string, Partial<PlatformEvidence>, { version: number; distro: string | null } | null][] = [
    ['plain Linux', {}, null],
    [
      'WSL2 by the kernel release',
      { osRelease: '5.15.153.1-microsoft-standard-WSL2' },
      { version: 2, distro: null },
    ],
    ['WSL1 by the kernel release', { osRelease: '4.4.0-19041-Microsoft' }, { version: 1, distro: null }],
    [
      'WSL2 by /proc/version, with the distro',
      {
        procVersion: 'Linux version 5.15.90.1-microsoft-standard-WSL2 (oe-user@oe-host)',
        env: { WSL_DISTRO_NAME: 'Ubuntu-22.04' },
      },
      { version: 2, distro: 'Ubuntu-22.04' },
    ],
    ['WSL_DISTRO_NAME alone', { env: { WSL_DISTRO_NAME: 'Debian' } }, { version: 2, distro: 'Debian' }],
    ['macOS', { platform: 'darwin', osRelease: '23.4.0', procVersion: null }, null],
  ];
  for (const [what, over, expected] of cases) {
    it(what, () => {
      const found = detectWsl(evidence(over));
      assert.deepEqual(found ? { version: found.version, distro: found.distro } : null, expected);
    });
  }
});

describe('Linux family from /etc/os-release', () => {
  const cases: [string, string | null, string | null][] = [
    ['Debian', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', 'debian'],
    ['Ubuntu (ID_LIKE debian)', 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n', 'debian'],
    ['Linux Mint (ID_LIKE "ubuntu debian")', 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', 'debian'],
    ['Alpine', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.1\n', 'alpine'],
    ['RHEL UBI', 'ID="rhel"\nID_LIKE="fedora"\n', 'rhel'],
    ['Rocky', 'ID="rocky"\nID_LIKE="rhel centos fedora"\n', 'rhel'],
    ['Fedora', 'ID=fedora\n', 'rhel'],
    ['Amazon Linux', 'ID="amzn"\nID_LIKE="fedora"\n', 'rhel'],
    ['Arch (not a base dockerfile knows)', 'ID=arch\n', null],
    ['no file', null, null],
    ['garbage', '\u0000\u0001not a release file', null],
  ];
  for (const [what, text, family] of cases) {
    it(what, () => assert.equal(linuxFamily(text), family));
  }
  it('detectPlatform names the distribution on Linux only', () => {
    const file = 'PRETTY_NAME="Alpine Linux v3.20"\nID=alpine\n';
    assert.equal(detectPlatform(evidence({ osReleaseFile: file })).distribution, 'Alpine Linux v3.20');
    assert.equal(detectPlatform(evidence({ osReleaseFile: file, platform: 'darwin' })).distribution, null);
  });
});

describe('reading the evidence through Host', () => {
  it('reads the files a container and WSL leave', async () => {
    const host = fakeHost(
      { WSL_DISTRO_NAME: 'Ubuntu' },
      {
        '/.dockerenv': '',
        '/proc/1/cgroup': '0::/\n',
        '/proc/version': 'Linux version 5.15.90.1-microsoft-standard-WSL2',
        '/usr/lib/os-release': 'ID=ubuntu\nID_LIKE=debian\n',
      },
    );
    const read = await readPlatformEvidence(host);
    assert.equal(read.dockerenv, true);
    assert.equal(read.containerenv, false);
    assert.equal(read.osReleaseFile, 'ID=ubuntu\nID_LIKE=debian\n', 'falls back to /usr/lib/os-release');
    const facts = detectPlatform(read);
    assert.equal(facts.container?.kind, 'docker');
    assert.equal(facts.wsl?.version, 2);
    assert.equal(facts.family, 'debian');
  });
  it('reads nothing on macOS', async () => {
    const host: Host = { ...fakeHost({}, { '/.dockerenv': '' }), platform: 'darwin' };
    const read = await readPlatformEvidence(host);
    assert.equal(read.dockerenv, false);
    assert.equal(detectPlatform(read).container, null);
  });
});

describe('the environment check says where it runs', () => {
  it('in a container: passes, and its data says so (a fix lasts only as long as the container)', async () => {
    const outcome = await environmentCheck.run(
      fakeContext({ env: { REMOTE_CONTAINERS: 'true' }, files: { '/.dockerenv': '' } }),
    );
    assert.equal(outcome.status, 'pass');
    const data = outcome.data as EnvironmentFacts;
    assert.equal(data.container?.kind, 'devcontainer');
    assert.deepEqual(data.container?.evidence, ['REMOTE_CONTAINERS=true', '/.dockerenv']);
    assert.ok(outcome.details?.some((d) => d.includes('eliza-doctor dockerfile')));
    assert.equal(data.wsl, null);
  });

  it('on a plain machine: no container, no WSL', async () => {
    const outcome = await environmentCheck.run(fakeContext({}));
    const data = outcome.data as EnvironmentFacts;
    assert.equal(data.container, null);
    assert.equal(data.wsl, null);
  });

  it('under WSL: the certutil command names the CA by its Windows path (wslpath -w)', async () => {
    const ctx = fakeContext({
      env: { WSL_DISTRO_NAME: 'Ubuntu' },
      files: {
        '/proc/version': 'Linux version 5.15.90.1-microsoft-standard-WSL2',
        '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem': 'pem',
      },
    });
    const calls: string[][] = [];
    ctx.host.exec = async (file, args) => {
      calls.push([file, ...args]);
      return {
        code: 0,
        stdout: '\\\\wsl.localhost\\Ubuntu\\home\\user\\.local\\share\\eliza-doctor\\YandexInternalCA.pem\n',
        stderr: '',
        timedOut: false,
        error: null,
      };
    };
    const outcome = await environmentCheck.run(ctx);
    const data = outcome.data as EnvironmentFacts;
    assert.deepEqual(calls, [['wslpath', '-w', '/home/user/.local/share/eliza-doctor/YandexInternalCA.pem']]);
    assert.equal(data.wsl?.version, 2);
    assert.equal(data.wsl?.windows.installed, true);
    assert.equal(
      data.wsl?.windows.command,
      'certutil -user -addstore Root "\\\\wsl.localhost\\Ubuntu\\home\\user\\.local\\share\\eliza-doctor\\YandexInternalCA.pem"',
    );
    assert.ok(outcome.details?.some((d) => d.includes(data.wsl!.windows.command)));
  });

  it('under WSL without wslpath: the path is built from the distro name', async () => {
    const outcome = await environmentCheck.run(
      fakeContext({
        env: { WSL_DISTRO_NAME: 'Debian' },
        files: { '/proc/version': 'Linux 4.4.0-19041-Microsoft' },
      }),
    );
    const data = outcome.data as EnvironmentFacts;
    assert.equal(data.wsl?.version, 1);
    assert.equal(data.wsl?.windows.installed, false);
    assert.equal(
      data.wsl?.windows.windowsPath,
      '\\\\wsl.localhost\\Debian\\home\\user\\.local\\share\\eliza-doctor\\YandexInternalCA.pem',
    );
  });

  it('under WSL with neither: a command to run inside WSL, quoted for the shell', async () => {
    const ctx = fakeContext({});
    const host: Host = { ...ctx.host, osRelease: '5.15.153.1-microsoft-standard-WSL2', home: "/home/o'neil" };
    const outcome = await environmentCheck.run({ ...ctx, host });
    const data = outcome.data as EnvironmentFacts;
    assert.equal(
      data.wsl?.windows.command,
      `certutil.exe -user -addstore Root "$(wslpath -w '/home/o'\\''neil/.local/share/eliza-doctor/YandexInternalCA.pem')"`,
    );
  });
});
