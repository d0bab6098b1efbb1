import type { Code } from '../src/codes.ts';
import { describeFsError } from '../src/config.ts';
import { waitWithinMs } from '../src/engine/allowance.ts';
import { fail, manualFix, pass, skip, usable, warn } from '../src/engine/outcome.ts';
import { type CheckContext, defineCheck, type Outcome } from '../src/engine/types.ts';
import type { CaBundleFacts } from '../src/facts.ts';
import { trustFix } from '../src/fixes/descriptor.ts';
import { type BundleVerdict, verifyInternalBundle } from '../src/pki/bundle.ts';
import { describeCert, parsePemBundle, quickFingerprints } from '../src/pki/cert.ts';
import { shellCommand } from '../src/quote.ts';
import { selfCommand } from '../src/self.ts';
import { internalCaPlaces } from '../src/trust/locations.ts';

const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

type Candidate =
  | { ok: true; verdict: BundleVerdict; label: string; location: string; kind: 'file' | 'download' }
  | { ok: false; code: Code; text: string; unresolved?: boolean };

export const caBundleCheck = defineCheck({
  id: 'ca-bundle',
  title: 'Internal CA bundle',
  network: true,
  http: true,
  worksOffline: true,
  reads: ['dns'],
  // Local files first, without waiting for dns; dns is read only to tell one cause from two.
  startEarly: true,
  async run(ctx) {
    const looked: string[] = [];
    const pinned = ctx.config.caSha256;
    if (ctx.config.caFile) {
      const candidate: Candidate = (await fromFile(ctx, '--ca-file', ctx.config.caFile)) ?? {
        ok: false,
        code: 'CA_FILE_UNREADABLE',
        text: `${ctx.config.caFile} is not there (or is a folder)`,
      };
      looked.push(`--ca-file ${ctx.config.caFile}: ${candidate.ok ? 'verified' : candidate.text}`);
      return conclude(ctx, candidate, looked);
    }
    for (const place of internalCaPlaces(ctx.host)) {
      const candidate = await fromFile(ctx, place.label, place.path);
      // Read at once, not asked first whether it is there: the first requests wait for this file.
      if (!candidate) continue;
      looked.push(
        `${place.path} (${place.label}): ${candidate.ok ? 'holds the pinned root' : candidate.text}`,
      );
      if (candidate.ok) return conclude(ctx, candidate, looked);
    }
    if (ctx.config.offline) {
      const text = 'no internal CA on this machine (--offline: nothing downloaded)';
      return conclude(ctx, { ok: false, code: 'CA_NOT_FOUND', text }, looked, pinned);
    }
    // All URLs at once, so that https-then-http costs one bound, not two; the first in order wins.
    // Bounded within the check's own bound: files read first (and undici loaded) take from it.
    const timeoutMs = waitWithinMs(ctx.boundAt, ctx.config.timeoutMs);
    const downloads = await Promise.all(ctx.config.caUrls.map((url) => download(ctx, url, timeoutMs)));
    downloads.forEach((candidate, i) => {
      looked.push(
        `${ctx.config.caUrls[i]}: ${candidate.ok ? 'downloaded, holds the pinned root' : candidate.text}`,
      );
    });
    // Off the corporate network, neither the gateway nor the CA's host resolves: one cause,
    // which dns reports; this check then says it could not look rather than failing again.
    const dns = await ctx.result('dns');
    if (!usable(dns) && downloads.length > 0 && downloads.every((c) => !c.ok && c.unresolved)) {
      return skip('DEPENDENCY_NOT_MET', 'dns failed, and the CA distribution point does not resolve either', {
        details: looked,
        data: { source: null, roots: [], certs: [], dropped: [], pem: null, looked },
      });
    }
    const chosen = downloads.find((c) => c.ok) ?? downloads.at(-1);
    const none: Candidate = {
      ok: false,
      code: 'CA_NOT_FOUND',
      text: 'no internal CA on this machine and no URL to fetch one',
    };
    return conclude(ctx, chosen ?? none, looked, pinned);
  },
});

/** null: nothing there (no such file, or a folder). */
async function fromFile(ctx: CheckContext, label: string, file: string): Promise<Candidate | null> {
  let bytes: Buffer;
  try {
    bytes = await ctx.host.readFile(file, MAX_BUNDLE_BYTES);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    return { ok: false, code: 'CA_FILE_UNREADABLE', text: `cannot read ${file}: ${describeFsError(error)}` };
  }
  const blocks = quickFingerprints(bytes);
  if (blocks.length > 0 && !blocks.some((fp) => ctx.config.caSha256.includes(fp))) {
    return {
      ok: false,
      code: 'CA_NO_PINNED_ROOT',
      text: `${blocks.length} certificates, none of them a pinned root`,
    };
  }
  return judge(ctx, bytes, label, file, 'file');
}

async function download(ctx: CheckContext, url: string, timeoutMs: number): Promise<Candidate> {
  const result = await ctx.net.request({
    url,
    extraCa: '',
    maxBytes: MAX_BUNDLE_BYTES,
    signal: ctx.signal,
    timeoutMs,
  });
  if (!result.ok) {
    return {
      ok: false,
      code: 'CA_UNREACHABLE',
      text: `could not fetch it (${result.failure.cause})`,
      unresolved: result.failure.kind === 'dns-not-found' || result.failure.kind === 'dns-temporary',
    };
  }
  if (result.status !== 200)
    return { ok: false, code: 'CA_UNREACHABLE', text: `the server answered ${result.status}` };
  return judge(ctx, result.body, url, url, 'download');
}

function judge(
  ctx: CheckContext,
  bytes: Buffer,
  label: string,
  location: string,
  kind: 'file' | 'download',
): Candidate {
  const bundle = parsePemBundle(bytes);
  if (bundle.blocks.length === 0) {
    const what = bundle.looksLikeHtml
      ? 'an HTML page, not certificates (a proxy or captive portal answered?)'
      : bundle.looksLikeDer
        ? 'a DER (binary) certificate; PEM is needed (openssl x509 -inform der -in FILE -out FILE.pem)'
        : 'no PEM certificate in it';
    return { ok: false, code: 'CA_NOT_PEM', text: what };
  }
  const verdict = verifyInternalBundle(bundle, ctx.config.caSha256, ctx.host.now());
  if (verdict.roots.length === 0) {
    return {
      ok: false,
      code: 'CA_NO_PINNED_ROOT',
      text: `${bundle.blocks.length} certificates, none of them a pinned root`,
    };
  }
  if (verdict.expiredRoots.length === verdict.roots.length) {
    return {
      ok: false,
      code: 'CA_ROOT_EXPIRED',
      text: `the pinned root ${verdict.expiredRoots[0]!.subject} is outside its validity (${verdict.expiredRoots[0]!.validTo.slice(0, 10)})`,
    };
  }
  if (verdict.kept.length === 0) {
    const root = verdict.dropped.find((d) => d.cert.sha256 === verdict.roots[0]!.fingerprint256);
    return {
      ok: false,
      code: 'CA_NO_PINNED_ROOT',
      text: `the pinned root is there but cannot be used${root ? ` (${root.reason})` : ''}`,
    };
  }
  return { ok: true, verdict, label, location, kind };
}

function conclude(
  ctx: CheckContext,
  candidate: Candidate,
  looked: string[],
  pinned = ctx.config.caSha256,
): Outcome<CaBundleFacts> {
  const empty: CaBundleFacts = { source: null, roots: [], certs: [], dropped: [], pem: null, looked };
  if (!candidate.ok) {
    return fail(candidate.code, failureSummary(candidate), {
      details: [...looked, `pinned root SHA-256: ${pinned.join(', ')}`],
      data: empty,
      fix:
        candidate.code === 'CA_FILE_UNREADABLE' && ctx.config.caFile
          ? manualFix('make the --ca-file readable for you, or give another copy', [
              shellCommand(['ls', '-l', ctx.config.caFile]),
            ])
          : candidate.code === 'CA_ROOT_EXPIRED'
            ? manualFix(
                'nothing on this machine can fix this: the pinned root is outside its validity; report it to the Eliza team, and check the clock',
              )
            : manualFix(
                'get allCAs.pem from a machine that has it (or from crls.yandex.net on the corporate network) and point the doctor at it',
                [
                  'curl -fsSL http://crls.yandex.net/allCAs.pem -o allCAs.pem',
                  selfCommand(ctx.config.invocation, ['--ca-file', 'allCAs.pem']),
                ],
              ),
    });
  }
  const { verdict } = candidate;
  const data: CaBundleFacts = {
    source: { kind: candidate.kind, label: candidate.label, location: candidate.location },
    roots: verdict.roots.map(describeCert),
    certs: verdict.kept.map(describeCert),
    dropped: verdict.dropped,
    pem: verdict.pem,
    looked,
  };
  const where =
    candidate.kind === 'download'
      ? `downloaded from ${candidate.location}`
      : `from ${candidate.location} (${candidate.label})`;
  const summary = `${verdict.kept.length} certificate${verdict.kept.length === 1 ? '' : 's'} chaining to ${describeCert(verdict.roots[0]!).subject}, ${where}`;
  const details = [
    ...verdict.kept.map(
      (c) => `kept: ${describeCert(c).subject}, valid to ${describeCert(c).validTo.slice(0, 10)}`,
    ),
    ...looked,
  ];
  const overHttp = candidate.kind === 'download' && candidate.location.startsWith('http://');
  // A download or a file given as the internal CA should hold nothing else: anything more is news.
  // A general bundle found on the machine (a system store, a merged file) holds public roots too.
  const dedicated = candidate.kind === 'download' || candidate.label === '--ca-file';
  if (!dedicated && verdict.dropped.length > 0) {
    details.push(`the file holds ${verdict.dropped.length} other certificates too (a general bundle)`);
  }
  if ((dedicated && verdict.dropped.length > 0) || verdict.malformed.length > 0) {
    const parts = [
      ...(dedicated ? verdict.dropped.map((d) => `${d.cert.subject} (${d.reason})`) : []),
      ...verdict.malformed.map((m) => `block ${m.index} (${m.error})`),
    ];
    return warn('CA_CERTS_DROPPED', `${summary}; left out ${parts.length}: ${parts.join(', ')}`, {
      details: overHttp ? [...details, OVER_HTTP] : details,
      data,
    });
  }
  // The pin and path validation decide what is trusted, so what came is safe to use; but anyone
  // on the way could have withheld or swapped certificates, and this run depended on the network
  // path to the distribution point: worth a keeper copy fetched once, not a fetch every run.
  if (overHttp) {
    return warn('CA_FETCHED_OVER_HTTP', `${summary}, over plain http rather than https`, {
      details: [...details, OVER_HTTP],
      data,
      // The same cure as the trust checks': one problem with them, not a second one.
      fix: trustFix(ctx.config, ctx.host.env),
    });
  }
  return pass(summary, { details, data });
}

const OVER_HTTP =
  'fetched over plain http: only the pinned root and the CAs validly chaining to it were kept, but anyone on the way could have left some out';

function failureSummary(candidate: Extract<Candidate, { ok: false }>): string {
  switch (candidate.code) {
    case 'CA_UNREACHABLE':
      return `no internal CA on this machine, and the distribution point could not be reached: ${candidate.text}`;
    case 'CA_NOT_FOUND':
      return candidate.text;
    default:
      return `the internal CA bundle is not usable: ${candidate.text}`;
  }
}
