/**
 * The verdict on one AI client pointed at Eliza, shared by every client check: each check reads
 * its client's configuration into a ClientTarget (src/clients/types.ts); this judges it as that
 * client would fare: its base URL against the route its wire API needs, its key and model, a
 * handshake trusting exactly what the client trusts, and one streamed request as it sends it.
 */

import { rootCertificates } from 'node:tls';
import { ELIZA_HOST, ELIZA_ROUTES, WRAPPED_ROUTES } from '../../src/clients/routes.ts';
import type { ClientFacts, ClientTarget, Credential, RouteFamily, Setting } from '../../src/clients/types.ts';
import type { Code } from '../../src/codes.ts';
import { displayable } from '../../src/display.ts';
import { bodyPreview } from '../../src/eliza/answers.ts';
import { reportBy } from '../../src/engine/allowance.ts';
import { fail, manualFix, pass, skip, usable, warn } from '../../src/engine/outcome.ts';
import type { CheckContext, Fix, Outcome } from '../../src/engine/types.ts';
import { type Host, keptFor, perHost } from '../../src/host.ts';
import { suggestedNoProxy } from '../../src/net/proxy.ts';
import { gatewayRoute } from '../../src/net/route.ts';
import { parsePemBundle, toPem } from '../../src/pki/cert.ts';
import { closest } from '../../src/similar.ts';
import { probeStream } from '../../src/stream/probe.ts';
import { judgeStream, wantsSecondLook } from '../../src/stream/verdict.ts';
import { SYSTEM_BUNDLES } from '../../src/trust/locations.ts';
import { failureReason } from './gateway-call.ts';
import { probeTarget } from './trust-probe.ts';

const MAX_CA_FILE = 16 * 1024 * 1024;
/** A setting's source when the environment holds it: "environment NAME", perhaps with more said after. */
const ENVIRONMENT_SOURCE = /^environment ([A-Za-z_][A-Za-z0-9_]*)\b/;

/**
 * How client checks are scheduled: they read their client's files at once (no network), and
 * read the network checks' answers only when they get that far.
 */
export const CLIENT_SCHEDULE = {
  reads: ['tcp', 'models'],
  startEarly: true,
  yieldsTo: ['tls'],
  network: true,
  worksOffline: true,
  http: true,
} as const;

/** Whether a configured URL is the gateway the doctor checks (or Eliza's own name). */
export function pointsAtEliza(ctx: Pick<CheckContext, 'config'>, url: string): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === ELIZA_HOST) return true;
  const { target } = ctx.config;
  if (host !== target.host.toLowerCase()) return false;
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443;
  // http://gateway (port 80) is the same gateway with the wrong scheme.
  return port === target.port || (parsed.protocol === 'http:' && !parsed.port);
}

/** What to write into a client's config: the gateway's https base with the route its API needs. */
export function elizaBaseUrl(ctx: Pick<CheckContext, 'config'>, family: RouteFamily): string {
  return `${ctx.config.target.baseUrl}${ELIZA_ROUTES[family]}`;
}

export function clientNotFound(client: string): Outcome<ClientFacts> {
  return skip('CLIENT_NOT_FOUND', `${client}: not installed, not configured`, { data: emptyFacts(false) });
}

/** Installed, pointed elsewhere (or nowhere): the onboarding path, with the lines to paste. */
export function clientNotEliza(
  client: string,
  found: string,
  snippet: { summary: string; commands: string[] },
  baseUrl: Setting | null = null,
): Outcome<ClientFacts> {
  return skip('CLIENT_NOT_ELIZA', `${client} (${found}) is not pointed at Eliza`, {
    data: { ...emptyFacts(true), baseUrl },
    fix: manualFix(snippet.summary, snippet.commands),
  });
}

export function clientConfigInvalid(client: string, source: string, reason: string): Outcome<ClientFacts> {
  return fail('CLIENT_CONFIG_INVALID', `${client}: ${source} cannot be read: ${displayable(reason)}`, {
    data: emptyFacts(true),
    fix: manualFix(`repair ${source} (${client} cannot read it either), then run the doctor again`),
  });
}

export function emptyFacts(found: boolean): ClientFacts {
  return {
    found,
    pointedAtEliza: false,
    baseUrl: null,
    keyVariables: [],
    trustedVia: null,
    trust: null,
    request: null,
  };
}

/** Node's bundled Mozilla roots, as every Node-based client starts from. */
export function nodeBundledPem(): string {
  return rootCertificates.join('\n');
}

/**
 * The OS store as OpenSSL's default paths hold it (the first bundle that exists), '' when none:
 * read once per run, however many clients trust it.
 */
export const osStorePem = perHost(async (host): Promise<{ pem: string; path: string | null }> => {
  for (const candidate of SYSTEM_BUNDLES) {
    try {
      return { pem: (await host.readFile(candidate, MAX_CA_FILE)).toString('latin1'), path: candidate };
    } catch {
      // the next family's path
    }
  }
  return { pem: '', path: null };
});

type CaFileCerts = { ok: true; pem: string } | { ok: false; reason: string; passing?: true };
/** Errors of the moment (descriptors, a busy device), not of the file: asked again, not kept. */
const PASSING_ERRORS = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'EIO']);
/** Per run: several clients are often told the same file (SSL_CERT_FILE), and parsing it is CPU. */
const caFileReads = new WeakMap<Host, Map<string, Promise<CaFileCerts>>>();

/** A CA file a client is told to load: its certificates, or why the client would fail on it. */
export async function readCaFile(
  host: Host,
  path: string,
  source: string,
): Promise<{ ok: true; pem: string } | { ok: false; broken: { source: string; reason: string } }> {
  const reads = keptFor(caFileReads, host, () => new Map<string, Promise<CaFileCerts>>());
  const read = await keptFor(reads, path, () => caFileCerts(host, path));
  if (!read.ok && read.passing) reads.delete(path);
  return read.ok ? read : { ok: false, broken: { source, reason: read.reason } };
}

async function caFileCerts(host: Host, path: string): Promise<CaFileCerts> {
  let bytes: Buffer;
  try {
    bytes = await host.readFile(path, MAX_CA_FILE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (code ?? 'unreadable');
    return {
      ok: false,
      reason: `${displayable(path)}: ${reason}`,
      ...(code && PASSING_ERRORS.has(code) ? { passing: true as const } : {}),
    };
  }
  const certs = parsePemBundle(bytes).blocks.flatMap((b) => (b.cert ? [b.cert] : []));
  if (certs.length === 0) return { ok: false, reason: `${displayable(path)} holds no PEM certificate` };
  return { ok: true, pem: certs.map((c) => toPem(c)).join('') };
}

export interface JudgeOptions {
  /** The client's own fix for a code (its file edit, its variable), instead of the generic line. */
  fixes?: Partial<Record<Code, Fix>>;
}

/** The whole verdict on a client pointed at Eliza. */
export async function judgeClient(
  ctx: CheckContext,
  target: ClientTarget,
  options: JudgeOptions = {},
): Promise<Outcome<ClientFacts>> {
  const { client, baseUrl } = target;
  for (const credential of target.credentials) if (credential.value) ctx.registerSecret(credential.value);
  for (const value of Object.values(target.headers)) if (value) ctx.registerSecret(value);
  const data: ClientFacts = {
    ...emptyFacts(true),
    pointedAtEliza: true,
    baseUrl,
    keyVariables: target.credentials.flatMap((c) => ENVIRONMENT_SOURCE.exec(c.source)?.[1] ?? []),
  };
  const right = elizaBaseUrl(ctx, target.family);
  const fixFor = (code: Code, fallback: Fix) => options.fixes?.[code] ?? fallback;
  const setBase = manualFix(`set ${client}'s base URL (${baseUrl.source}) to ${right}`);
  const failWith = (code: Code, summary: string, fallback: Fix, details: string[] = []) =>
    fail(code, `${client}: ${summary}`, { data, details, fix: fixFor(code, fallback) });

  const url = parseUrl(baseUrl.value);
  if (!url) return failWith('CLIENT_CONFIG_INVALID', `${shown(baseUrl)} is not a URL`, setBase);
  if (url.protocol === 'http:') {
    return failWith(
      'CLIENT_BASE_URL_HTTP',
      `${shown(baseUrl)} is http://; Eliza answers only https, so requests just time out`,
      setBase,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  const wanted = ELIZA_ROUTES[target.family];
  if (path !== wanted) {
    if (WRAPPED_ROUTES[target.family].includes(path)) {
      return failWith(
        'CLIENT_BASE_URL_NOT_RAW',
        `${shown(baseUrl)} uses the wrapped route ${path}, whose answers ${target.api.name} clients cannot read; use ${wanted}`,
        setBase,
      );
    }
    return failWith(
      'CLIENT_WRONG_ROUTE',
      `${shown(baseUrl)} ${path ? `has the route ${path}` : 'has no route'}; ${target.api.name} needs ${wanted} (${client} appends ${target.api.clientPath})`,
      setBase,
    );
  }
  const keys = target.credentials.filter((c) => c.value);
  if (keys.length === 0) {
    const named = target.credentials.map((c) => c.source).join(' or ');
    return failWith(
      'CLIENT_KEY_MISSING',
      `no key to send${named ? `: ${named} is empty` : ''}`,
      manualFix(`give ${client} your Eliza token${named ? ` in ${named}` : ''}`),
    );
  }
  if (target.trust.broken) {
    const { source, reason } = target.trust.broken;
    return failWith(
      'CLIENT_CA_UNREADABLE',
      `${source} names a CA file it cannot use: ${reason}`,
      manualFix(`point ${source} at the internal CA file (eliza-doctor fix installs one)`),
    );
  }
  const authorizing = keys.filter((c) => c.header !== 'header' || c.name?.toLowerCase() === 'authorization');
  const conflict =
    new Set(authorizing.map((c) => (c.header === 'header' ? 'bearer' : c.header))).size > 1 ||
    authorizing.filter((c) => c.header !== 'x-api-key').length > 1
      ? authorizing
      : null;

  if (ctx.config.offline) {
    return skip('OFFLINE', `${client}: configured for ${right}; its request is not tried: --offline`, {
      data,
    });
  }
  const tcp = await ctx.result('tcp');
  if (!usable(tcp)) {
    return skip('DEPENDENCY_NOT_MET', `${client}: not tried, the gateway is not reachable (see tcp)`, {
      data,
    });
  }

  // The list counts even when the doctor's own --model is not on it (models failed for that).
  const models = await ctx.result('models');
  const ids = models.data?.ids ?? null;
  if (target.model && ids && !ids.includes(target.model.value)) {
    const near = closest(target.model.value, ids);
    return failWith(
      'CLIENT_MODEL_UNKNOWN',
      `model ${displayable(target.model.value)} (${target.model.source}) is not among the ${ids.length} models Eliza offers${near.length ? `; closest: ${near.join(', ')}` : ''}`,
      manualFix(`set ${target.model.source} to a listed model${near[0] ? `, e.g. ${near[0]}` : ''}`),
    );
  }

  const probe = await ctx.net.tlsProbe(
    { ...(await probeTarget(ctx)), trust: { kind: 'exactly', pem: target.trust.pem } },
    ctx.signal,
  );
  if (!probe.ok) {
    return failWith(
      'CLIENT_NO_ANSWER',
      `the handshake failed: ${failureReason(probe.failure, ctx.config.timeoutMs)}`,
      manualFix('see the tls check'),
    );
  }
  data.trust = { label: target.trust.label, authorized: probe.authorized, error: probe.authorizationError };
  if (!probe.authorized) {
    return failWith(
      'CLIENT_UNTRUSTED',
      `the gateway's certificate does not verify against what ${client} trusts (${target.trust.label}): ${probe.authorizationError ?? 'not authorized'}`,
      manualFix(`make ${client} trust the internal CA`, ['eliza-doctor fix']),
    );
  }
  data.trustedVia = target.trust.label;

  const doneBy = reportBy(ctx.boundAt);
  const requestUrl = `${baseUrl.value.replace(/\/+$/, '')}${target.api.clientPath}`;
  const headerStyle = keys.map(describeCredential).join(' + ');
  const model = target.model?.value ?? ctx.config.model;
  const probeWith = (acceptEncoding?: string) =>
    probeStream({
      net: ctx.net,
      baseUrl: baseUrl.value.replace(/\/+$/, ''),
      api: { ...target.api, path: target.api.clientPath },
      model,
      headers: { ...target.headers, ...credentialHeaders(keys) },
      extraCa: target.trust.pem,
      // What the client trusts, no more: a fallback to the bundled roots would call a client green
      // that its own list does not let through, and hand its key to that server.
      extraCaOnly: true,
      signal: ctx.signal,
      idleMs: ctx.config.timeoutMs,
      doneBy,
      ...(acceptEncoding ? { acceptEncoding } : {}),
    });
  const stream = await probeWith();
  data.request = { url: requestUrl, status: null, headerStyle, events: null };
  if (!stream.ok) {
    return failWith(
      'CLIENT_NO_ANSWER',
      `POST ${target.api.clientPath} (as ${client} sends it): ${failureReason(stream.failure, ctx.config.timeoutMs)}`,
      manualFix('see the round-trip and stream checks'),
    );
  }
  const trace = stream.trace;
  data.request.status = trace.status;
  data.request.events = trace.events;
  if (trace.end === 'status') {
    const body = trace.body ? [`it answered: ${bodyPreview(trace.body)}`] : [];
    if (trace.status === 401 || trace.status === 403) {
      return failWith(
        'CLIENT_KEY_REJECTED',
        `Eliza answered ${trace.status} to ${headerStyle}`,
        manualFix(
          `give ${client} a valid Eliza token in ${keys.map((k) => k.source).join(' / ')}, in the form Eliza takes on this route`,
        ),
        body,
      );
    }
    if (trace.status === 404) {
      return failWith('CLIENT_WRONG_ROUTE', `Eliza answered 404 to POST ${requestUrl}`, setBase, body);
    }
    // The model's own answer when the list was not there to judge it by.
    if (trace.status === 400 && trace.body && /\bmodel\b/i.test(trace.body.toString('utf8'))) {
      return failWith(
        'CLIENT_MODEL_UNKNOWN',
        `Eliza answered 400 to the model ${displayable(model)}${target.model ? ` (${target.model.source})` : ''}`,
        manualFix(`set ${client}'s model to one GET /v1/models lists`),
        body,
      );
    }
    return failWith(
      'CLIENT_NO_ANSWER',
      `Eliza answered ${trace.status} to POST ${requestUrl}`,
      manualFix('see the round-trip check, which makes the same request the doctor way'),
      body,
    );
  }
  const route = gatewayRoute(ctx);
  // As the stream check: events that came together are asked for once more before the route is blamed.
  const again = wantsSecondLook(trace) ? await probeWith(trace.encoding ? 'identity' : undefined) : null;
  const verdict = judgeStream(
    trace,
    {
      api: { ...target.api, path: target.api.clientPath },
      model,
      route: route.description,
      viaProxy: route.via !== undefined,
      noProxy: suggestedNoProxy(ctx.config.target.host, ctx.host.env),
    },
    again?.ok ? again.trace : null,
  );
  if (verdict.status !== 'pass') {
    return {
      status: verdict.status,
      code: verdict.code,
      summary: `${client}: ${verdict.summary}`,
      details: verdict.details,
      fix: verdict.fix,
      data,
    } as Outcome<ClientFacts>;
  }
  const summary = `${client} → ${requestUrl} (${baseUrl.source}): ${headerStyle}, ${trace.events} events streamed; trusts it via ${target.trust.label}`;
  if (conflict) {
    return warn(
      'CLIENT_KEYS_CONFLICT',
      `${client} sends ${conflict.map(describeCredential).join(' and ')}; it works, but keep one`,
      {
        data,
        details: [summary],
        fix: fixFor(
          'CLIENT_KEYS_CONFLICT',
          manualFix(`remove one of ${conflict.map((c) => c.source).join(', ')}`),
        ),
      },
    );
  }
  return pass(summary, { data });
}

export function credentialHeaders(credentials: Credential[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const c of credentials) {
    if (c.header === 'bearer') headers.authorization = `Bearer ${c.value}`;
    else if (c.header === 'x-api-key') headers['x-api-key'] = c.value;
    else if (c.name) headers[c.name.toLowerCase()] = c.value;
  }
  return headers;
}

function describeCredential(c: Credential): string {
  const style =
    c.header === 'bearer' ? 'Authorization: Bearer' : c.header === 'x-api-key' ? 'x-api-key' : `${c.name}`;
  return `${style} from ${c.source}`;
}

function shown(setting: Setting): string {
  return `${displayable(setting.value)} (${setting.source})`;
}

function parseUrl(value: string): URL | null {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
