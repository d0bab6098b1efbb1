import { describeFsError } from '../src/config.ts';
import { fail, manualFix, pass, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Fix } from '../src/engine/types.ts';
import type { TrustNodeFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { gatewayRoute } from '../src/net/route.ts';
import { guiAppsNotes, readGuiAppsEnv } from '../src/onboard/macos.ts';
import { quote, shellCommand } from '../src/quote.ts';
import { type FileRead, judgeNodeExtraCa, type NodeTrustVerdict, rootOf } from '../src/trust/node.ts';
import { freshNodeHandshake } from '../src/trust/probes.ts';
import { crlfFiles, shown } from '../src/trust/startup.ts';
import { readSystemStore } from '../src/trust/system.ts';
import {
  describeDisagreement,
  describeRun,
  type NewTerminal,
  probeNewTerminal,
} from '../src/trust/terminal.ts';
import { loadHereFix } from './shared/this-shell.ts';
import { earlyProbeTarget, TRUST_PROBE_SCHEDULE } from './shared/trust-probe.ts';

const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

/** The handshake could not be judged: a passing fault, or one the tls check names. */
const HANDSHAKE_AGAIN = manualFix(
  "run the doctor again; if it lasts, the tls check's details show the chain: report them with this output",
);

export const trustNodeCheck = defineCheck({
  id: 'trust-node',
  title: 'Node.js trust',
  ...TRUST_PROBE_SCHEDULE,
  async run(ctx) {
    const target = earlyProbeTarget(ctx);
    const via = gatewayRoute(ctx).via;
    const currentValue = ctx.host.env.NODE_EXTRA_CA_CERTS?.trim() || undefined;

    const [probe, asked, guiApps] = await Promise.all([
      (async () =>
        ctx.net.tlsProbe(
          {
            address: await target.address,
            port: target.port,
            host: target.host,
            trust: { kind: 'node-default' },
            ...(via ? { via } : {}),
          },
          ctx.signal,
        ))(),
      probeNewTerminal(ctx.host, ctx.config.timeoutMs, (env) =>
        freshNodeHandshake(ctx.host, env, target, ctx.config.timeoutMs, ctx.signal),
      ),
      readGuiAppsEnv(ctx.host),
    ]);
    const { terminal, result: fresh } = asked;
    const rawTerminalValue = terminal.env.NODE_EXTRA_CA_CERTS;
    const terminalValue = rawTerminalValue?.trim() || undefined;
    const crlf = crlfFiles(terminal.scan);
    const data: TrustNodeFacts = {
      current: {
        value: currentValue ?? null,
        loaded: [],
        authorized: probe.ok ? probe.authorized : null,
        error: probe.ok ? probe.authorizationError : probe.failure.cause,
      },
      newTerminal: {
        // As the shell has it: a stray CR or space is part of what Node gets.
        value: terminalValue === undefined ? null : rawTerminalValue!,
        from: origin(terminal, rawTerminalValue),
        source: terminal.source,
        authorized: fresh.authorized,
        error: fresh.error,
        warnings: fresh.warnings,
        shells: terminal.answers.map((a) => ({
          shell: a.shell,
          login: a.login,
          status: a.status,
          value: a.status === 'ok' ? (a.values.NODE_EXTRA_CA_CERTS ?? null) : null,
          note: a.note,
        })),
        crlf,
      },
      guiApps,
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
        read: value ? await readExtraCaFile(ctx, value) : { kind: 'missing' },
        existingParts: value ? await existingParts(ctx, value) : [],
        needed: { root, intermediates: tls.supplied, chain: tls.path },
      });
    const current = await judge(currentValue);
    data.current.loaded = current.loaded;
    const terminalVerdict = terminalValue === currentValue ? current : await judge(terminalValue);
    const currentOk = probe.authorized;
    const terminalOk = fresh.authorized === true;

    const details = [
      `this shell: ${describe(currentValue, current, probe.authorized, probe.authorizationError)}`,
      `a new terminal (${describeRun(terminal.answers[0]!)}): ${describeNew(data.newTerminal, terminalVerdict)}`,
      ...terminalDetails(terminal, ctx.host.home),
      ...fresh.warnings.map((w) => `the fresh Node process warned: ${w}`),
      ...crlf.map(
        (f) =>
          `${shown(ctx.host.home, f)} has CRLF line endings: bash and zsh read the \\r as part of every value and command`,
      ),
      ...(await systemCaHint(ctx)),
      ...(guiApps ? guiAppsNotes(guiApps, terminalValue ?? null) : []),
    ];
    const crlfFix: Fix = manualFix(
      `convert ${crlf.length === 1 ? 'the startup file' : 'the startup files'} to LF line endings (a copy is kept as FILE.crlf.bak)`,
      crlf.map(crlfCommand),
    );
    // A CR in the value a new terminal gets: the line endings are the one cause to report.
    const crlfCause = crlf.length > 0 && /\r/.test(rawTerminalValue ?? '');
    // The conversion is offered whenever a startup file has CRLF endings, whatever else is wrong.
    const trust = trustFix(ctx.config, ctx.host.env);
    const fix = crlf.length ? { ...trust, commands: [...trust.commands, ...crlfFix.commands] } : trust;
    const crlfSummary = `a new terminal's NODE_EXTRA_CA_CERTS ends in a carriage return: ${crlf.map((f) => shown(ctx.host.home, f)).join(', ')} ${crlf.length === 1 ? 'has' : 'have'} CRLF line endings, which bash and zsh read as part of the value`;
    if (currentOk && terminalOk) {
      if (current.warning) return warn(current.code!, current.summary, { details, data, fix });
      if (crlf.length > 0) {
        return warn(
          'STARTUP_FILE_CRLF',
          `Node trusts the gateway, but ${crlf.map((f) => shown(ctx.host.home, f)).join(', ')} ${crlf.length === 1 ? 'has' : 'have'} CRLF line endings: bash and zsh read the \\r as part of every value`,
          { details, data, fix: crlfFix },
        );
      }
      const how = current.ok
        ? current.summary
        : 'Node finds the CA through another route than NODE_EXTRA_CA_CERTS';
      return pass(`${how}; this shell and a new terminal trust the gateway`, { details, data });
    }
    if (currentOk && !terminalOk) {
      if (crlfCause) return warn('STARTUP_FILE_CRLF', crlfSummary, { details, data, fix });
      return warn(
        'TRUST_NODE_NOT_PERSISTENT',
        `this shell trusts the gateway, but a new terminal will not: ${terminalVerdict.ok ? `its Node rejects the gateway (${fresh.error})` : terminalVerdict.summary}`,
        { details, data, fix },
      );
    }
    if (!currentOk && terminalOk) {
      return warn(
        'TRUST_NODE_NEW_SHELL_ONLY',
        'new terminals trust the gateway; this shell started before that: open a new terminal, or load it here',
        { details, data, fix: loadHereFix(ctx, terminal.env, ['NODE_EXTRA_CA_CERTS']) },
      );
    }
    const verdict = currentValue === undefined && terminalValue !== undefined ? terminalVerdict : current;
    if (crlfCause && verdict === terminalVerdict)
      return fail('STARTUP_FILE_CRLF', crlfSummary, { details, data, fix });
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
  const where = facts.from
    ? `from ${facts.from}`
    : facts.source === 'shell'
      ? 'as the shell has it'
      : 'inherited: no startup file sets it';
  const setting = facts.value
    ? `NODE_EXTRA_CA_CERTS=${JSON.stringify(facts.value).slice(1, -1)} (${where})`
    : `NODE_EXTRA_CA_CERTS unset (${facts.source === 'shell' ? 'the shell has it unset' : 'no startup file sets it'})`;
  const outcome =
    facts.authorized === true
      ? 'a fresh Node process trusts the gateway'
      : facts.authorized === false
        ? `a fresh Node process rejects the gateway (${facts.error})`
        : `the fresh Node process could not tell (${facts.error})`;
  return `${setting}; ${outcome}${verdict.ok || !facts.value ? '' : ` (${verdict.code})`}`;
}

/**
 * The file and line that set the value, when the reading of the files agrees with the value; an
 * inherited value or one only the shell knows has none.
 */
function origin(terminal: NewTerminal, value: string | undefined): string | null {
  const from = terminal.from;
  if (!from || value === undefined) return null;
  if (from.value !== null && from.value !== value.replace(/\r$/, '')) return null;
  return `${from.file}:${from.line}`;
}

/** What the other shells say, which shell did not answer, and what the reading of the files missed. */
function terminalDetails(terminal: NewTerminal, home: string): string[] {
  const lines = [...terminal.notes];
  for (const d of terminal.disagreements)
    lines.push(describeDisagreement(d, describeRun(terminal.answers[0]!), home));
  const [primary, ...others] = terminal.answers;
  for (const name of primary?.unexported ?? []) {
    lines.push(
      `${describeRun(primary!)} sets ${name} without exporting it: programs started from it do not see it (write export ${name}=…)`,
    );
  }
  // Only the shells that would get another value than the new terminal judged above are worth a line.
  const judged = terminal.env.NODE_EXTRA_CA_CERTS ?? null;
  // A shell installed but never configured (no startup file of its own) is in the data, not here.
  const configured = (shell: string) => terminal.scan.files.some((f) => f.shell === shell && f.exists);
  for (const other of others) {
    const value = other.values.NODE_EXTRA_CA_CERTS ?? null;
    if (other.status !== 'ok' || value === judged) continue;
    if (other.shell !== terminal.loginShell && !configured(other.shell)) continue;
    lines.push(
      `but ${describeRun(other)}${other.login ? ' (ssh, macOS Terminal)' : ''} gets ${value === null ? 'NODE_EXTRA_CA_CERTS unset' : `NODE_EXTRA_CA_CERTS=${JSON.stringify(value).slice(1, -1)}`}`,
    );
  }
  return lines;
}

/** LF endings, keeping a copy; `>` writes through a symlinked file (a dotfiles repository). */
function crlfCommand(file: string): string {
  return `${shellCommand(['cp', file, `${file}.crlf.bak`])} && tr -d '\\r' < ${quote(`${file}.crlf.bak`)} > ${quote(file)}`;
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

/** NODE_EXTRA_CA_CERTS as Node reads it at start-up: its bytes, or why Node would warn and go on without it. */
async function readExtraCaFile(ctx: CheckContext, file: string): Promise<FileRead> {
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
