import { describeFsError } from '../src/config.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck } from '../src/engine/types.ts';
import type { TrustNodeFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { type FileRead, judgeNodeExtraCa, type NodeTrustVerdict, rootOf } from '../src/trust/node.ts';
import { freshNodeHandshake } from '../src/trust/probes.ts';
import { newTerminalEnv, scanStartup } from '../src/trust/startup.ts';
import { readSystemStore } from '../src/trust/system.ts';
import { probeTarget, TRUST_PROBE_SCHEDULE } from './shared/trust-probe.ts';

const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

/** The handshake could not be judged: a passing fault, or one the tls check names. */
const HANDSHAKE_AGAIN = manualFix(
  "run the doctor again; if it lasts, the tls check's details show the chain: report them with this output",
);

export const trustNodeCheck = defineCheck({
  id: 'trust-node',
  title: 'Node.js trusts the gateway',
  ...TRUST_PROBE_SCHEDULE,
  async run(ctx) {
    const target = await probeTarget(ctx);
    const via = gatewayRoute(ctx).via;
    const currentValue = ctx.host.env.NODE_EXTRA_CA_CERTS?.trim() || undefined;
    const scan = await scanStartup(ctx.host);
    const fromFile = scan.assignments.filter((a) => a.name === 'NODE_EXTRA_CA_CERTS').at(-1);
    const terminalEnv = newTerminalEnv(ctx.host.env, scan);
    const terminalValue = terminalEnv.NODE_EXTRA_CA_CERTS?.trim() || undefined;

    const [probe, fresh] = await Promise.all([
      ctx.net.tlsProbe(
        {
          address: target.address,
          port: target.port,
          host: target.host,
          trust: { kind: 'node-default' },
          ...(via ? { via } : {}),
        },
        ctx.signal,
      ),
      freshNodeHandshake(ctx.host, terminalEnv, target, ctx.config.timeoutMs, ctx.signal),
    ]);
    const data: TrustNodeFacts = {
      current: {
        value: currentValue ?? null,
        loaded: [],
        authorized: probe.ok ? probe.authorized : null,
        error: probe.ok ? probe.authorizationError : probe.failure.cause,
      },
      newTerminal: {
        value: terminalValue ?? null,
        from:
          fromFile && scan.newTerminal.NODE_EXTRA_CA_CERTS !== undefined
            ? `${fromFile.file}:${fromFile.line}`
            : null,
        authorized: fresh.authorized,
        error: fresh.error,
        warnings: fresh.warnings,
      },
    };
    if (!probe.ok) {
      return fail(
        'TRUST_NODE_HANDSHAKE_FAILED',
        `a handshake with Node's default trust failed: ${probe.failure.cause}`,
        { data, fix: HANDSHAKE_AGAIN },
      );
    }
    const tls = (await ctx.result('tls')).data;
    if (tls.anchor === 'public') {
      return probe.authorized
        ? pass('the gateway chains to a public root, which Node trusts out of the box', { data })
        : fail(
            'TRUST_NODE_HANDSHAKE_FAILED',
            `Node rejects the gateway's public chain: ${probe.authorizationError}`,
            { data, fix: manualFix('update Node: its bundled public roots are too old for this chain') },
          );
    }
    const root = rootOf(tls.path);
    if (!root)
      return fail('TRUST_NODE_HANDSHAKE_FAILED', 'the gateway chain has no root to judge', {
        data,
        fix: HANDSHAKE_AGAIN,
      });
    const judge = async (value: string | undefined) =>
      judgeNodeExtraCa({
        value,
        read: value ? await readCaFile(ctx, value) : { kind: 'missing' },
        existingParts: value ? await existingParts(ctx, value) : [],
        needed: { root, intermediates: tls.supplied, chain: tls.path },
      });
    const current = await judge(currentValue);
    data.current.loaded = current.loaded;
    const terminal = terminalValue === currentValue ? current : await judge(terminalValue);
    const currentOk = probe.authorized;
    const terminalOk = fresh.authorized === true;

    const details = [
      `this shell: ${describe(currentValue, current, probe.authorized, probe.authorizationError)}`,
      `a new terminal: ${describeNew(data.newTerminal, terminal)}`,
      ...fresh.warnings.map((w) => `the fresh Node process warned: ${w}`),
      ...(await systemCaHint(ctx)),
    ];
    const fix = trustFix('make Node trust the internal CA');
    if (currentOk && terminalOk) {
      if (current.warning) return warn(current.code!, current.summary, { details, data, fix });
      const how = current.ok
        ? current.summary
        : 'Node finds the CA through another route than NODE_EXTRA_CA_CERTS';
      return pass(`${how}; this shell and a new terminal trust the gateway`, { details, data });
    }
    if (currentOk && !terminalOk) {
      return warn(
        'TRUST_NODE_NOT_PERSISTENT',
        `this shell trusts the gateway, but a new terminal will not: ${terminal.ok ? `its Node rejects the gateway (${fresh.error})` : terminal.summary}`,
        { details, data, fix },
      );
    }
    if (!currentOk && terminalOk) {
      return warn(
        'TRUST_NODE_NEW_SHELL_ONLY',
        'new terminals trust the gateway, this shell started before that: open a new terminal or run eval "$(eliza-doctor env)"',
        {
          details,
          data,
          fix: manualFix('load the settings into this shell', ['eval "$(eliza-doctor env)"']),
        },
      );
    }
    const verdict = currentValue === undefined && terminalValue !== undefined ? terminal : current;
    if (verdict.ok) {
      return fail(
        'TRUST_NODE_HANDSHAKE_FAILED',
        `NODE_EXTRA_CA_CERTS looks right, but Node still rejects the gateway (${probe.authorizationError})`,
        { details, data, fix },
      );
    }
    return fail(verdict.code!, verdict.summary, { details, data, fix });
  },
});

function describe(
  value: string | undefined,
  verdict: NodeTrustVerdict,
  authorized: boolean,
  error: string | null,
): string {
  const setting = value ? `NODE_EXTRA_CA_CERTS=${value}` : 'NODE_EXTRA_CA_CERTS unset';
  return `${setting}; ${authorized ? 'a handshake succeeds' : `a handshake fails with ${error}`}${verdict.ok || !value ? '' : ` (${verdict.code})`}`;
}

function describeNew(facts: TrustNodeFacts['newTerminal'], verdict: NodeTrustVerdict): string {
  const setting = facts.value
    ? `NODE_EXTRA_CA_CERTS=${facts.value} ${facts.from ? `(from ${facts.from})` : '(inherited: no startup file sets it)'}`
    : 'NODE_EXTRA_CA_CERTS unset (no startup file sets it)';
  const outcome =
    facts.authorized === true
      ? 'a fresh Node process trusts the gateway'
      : facts.authorized === false
        ? `a fresh Node process rejects the gateway (${facts.error})`
        : `the fresh Node process could not tell (${facts.error})`;
  return `${setting}; ${outcome}${verdict.ok || !facts.value ? '' : ` (${verdict.code})`}`;
}

/** Node 22.19+ and 24.6+ can use the OS store; worth saying when the OS store already has the CA. */
async function systemCaHint(ctx: CheckContext): Promise<string[]> {
  const [major = 0, minor = 0] = ctx.host.nodeVersion.split('.').map(Number);
  const supports =
    major > 24 || (major === 24 && minor >= 6) || (major === 22 && minor >= 19) || major === 23;
  if (!supports) return [];
  const store = await readSystemStore(ctx.host, ctx.config.caSha256);
  if (!store.bundleHasRoot && !store.keychain) return [];
  return [
    'the OS store already trusts the internal root: with this Node, NODE_USE_SYSTEM_CA=1 is another way',
  ];
}

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
  const found = await Promise.all(
    parts.map((p) =>
      ctx.host.stat(p).then(
        () => p,
        () => null,
      ),
    ),
  );
  return found.filter((p): p is string => p !== null);
}
