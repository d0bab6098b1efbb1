import { describeFsError } from '../src/config.ts';
import { fail, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix } from '../src/engine/types.ts';
import type { CertInfo } from '../src/pki/cert.ts';
import { installedBundlePath } from '../src/trust/locations.ts';
import { type FileRead, judgeNodeExtraCa, rootOf } from '../src/trust/node.ts';
import type { CaBundleFacts } from './ca-bundle.ts';
import type { TlsFacts } from './tls.ts';

export interface TrustNodeFacts {
  nodeExtraCaCerts: string | null;
  loaded: CertInfo[];
  /** What a real handshake with this Node's default trust said. */
  handshake: { authorized: boolean; error: string | null } | null;
}

const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

export const trustNodeCheck = defineCheck<TrustNodeFacts>({
  id: 'trust-node',
  title: 'Node.js trusts the gateway',
  dependsOn: ['tls'],
  uses: ['ca-bundle'],
  network: true,
  async run(ctx) {
    const tls = ctx.dependency<TlsFacts>('tls').data;
    const value = ctx.host.env.NODE_EXTRA_CA_CERTS?.trim() || undefined;
    const data: TrustNodeFacts = { nodeExtraCaCerts: value ?? null, loaded: [], handshake: null };
    const { host, port } = ctx.config.target;
    const probe = await ctx.net.tlsProbe(
      { address: tls.address, port, host, trust: { kind: 'node-default' } },
      ctx.signal,
    );
    if (!probe.ok) {
      return fail(
        'TRUST_NODE_HANDSHAKE_FAILED',
        `a handshake with Node's default trust failed: ${probe.failure.cause}`,
        { data },
      );
    }
    data.handshake = { authorized: probe.authorized, error: probe.authorizationError };
    const confirmed = probe.authorized
      ? "confirmed: a handshake with this Node's default trust succeeds"
      : `confirmed: a handshake with this Node's default trust fails with ${probe.authorizationError}`;

    if (tls.anchor === 'public') {
      return probe.authorized
        ? pass('the gateway chains to a public root, which Node trusts out of the box', {
            details: [confirmed],
            data,
          })
        : fail(
            'TRUST_NODE_HANDSHAKE_FAILED',
            `Node rejects the gateway's public chain: ${probe.authorizationError}`,
            { data },
          );
    }
    const root = rootOf(tls.path);
    if (!root) {
      return fail('TRUST_NODE_HANDSHAKE_FAILED', 'the gateway chain has no root to judge', { data });
    }
    const verdict = judgeNodeExtraCa({
      value,
      read: value ? await readCaFile(ctx, value) : { kind: 'missing' },
      existingParts: value ? await existingParts(ctx, value) : [],
      needed: { root, intermediates: tls.supplied, chain: tls.path },
    });
    data.loaded = verdict.loaded;
    const details = [...verdict.details, confirmed];
    if (probe.authorized) {
      if (verdict.ok && !verdict.warning)
        return pass(`${verdict.summary}; Node trusts the gateway`, { details, data });
      if (verdict.ok) return warn(verdict.code!, verdict.summary, { details, data, fix: fixFor(ctx, value) });
      // The handshake is the truth: Node found the CA some other way (--use-openssl-ca, the system store).
      return pass('Node trusts the gateway through another route than NODE_EXTRA_CA_CERTS', {
        details: [verdict.summary, ...details],
        data,
      });
    }
    if (verdict.ok) {
      return fail(
        'TRUST_NODE_HANDSHAKE_FAILED',
        `NODE_EXTRA_CA_CERTS looks right, but this Node still rejects the gateway (${probe.authorizationError}); was it set after this shell started?`,
        { details, data, fix: fixFor(ctx, value) },
      );
    }
    return fail(verdict.code!, verdict.summary, { details, data, fix: fixFor(ctx, value) });
  },
});

async function readCaFile(ctx: CheckContext, file: string): Promise<FileRead> {
  try {
    const stats = await ctx.host.stat(file);
    if (stats.isDirectory()) return { kind: 'directory' };
    return { kind: 'ok', bytes: await ctx.host.readFile(file, MAX_CA_FILE_BYTES) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: describeFsError(error) };
  }
}

async function existingParts(ctx: CheckContext, value: string): Promise<string[]> {
  const parts = value.split(/[:;]/).filter((p) => p && p !== value);
  const checks = await Promise.all(
    parts.map((p) =>
      ctx.host.stat(p).then(
        () => p,
        () => null,
      ),
    ),
  );
  return checks.filter((p): p is string => p !== null);
}

function fixFor(ctx: CheckContext, current: string | undefined): Fix {
  const bundle = ctx.dependency<CaBundleFacts>('ca-bundle');
  const source = bundle.data.source;
  const verifiedFile =
    source?.kind === 'file' && source.label !== 'NODE_EXTRA_CA_CERTS' ? source.location : null;
  const target = installedBundlePath(ctx.host);
  const home = ctx.host.home;
  const shown = (p: string) => (p.startsWith(`${home}/`) ? `$HOME/${p.slice(home.length + 1)}` : p);
  const commands: string[] = [];
  let file = verifiedFile ?? target;
  if (!verifiedFile) {
    commands.push(
      `mkdir -p "${shown(target.slice(0, target.lastIndexOf('/')))}"`,
      `curl -fsSL https://crls.yandex.net/allCAs.pem -o "${shown(target)}" || curl -fsSL http://crls.yandex.net/allCAs.pem -o "${shown(target)}"`,
      `eliza-doctor --ca-file "${shown(target)}" --only ca-bundle   # verifies it against the pinned root`,
    );
  }
  if (current && current !== file) {
    // Keep what the user already trusted: Node reads one file, so both go into one.
    const combined = `${target.slice(0, target.lastIndexOf('/'))}/node-extra-ca.pem`;
    commands.push(`cat "${current}" "${shown(file)}" > "${shown(combined)}"`);
    file = combined;
  }
  for (const rc of ['.bashrc', '.zshrc']) {
    commands.push(`echo 'export NODE_EXTRA_CA_CERTS="${shown(file)}"' >> ~/${rc}`);
  }
  commands.push(`export NODE_EXTRA_CA_CERTS="${shown(file)}"`);
  return {
    summary: 'point NODE_EXTRA_CA_CERTS at a file that holds the internal root CA',
    commands,
    automated: false,
  };
}
