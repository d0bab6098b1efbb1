/**
 * How an AI client (Claude Code, Codex, an editor extension, an SDK) will reach the gateway, as
 * read from its own configuration: what each client check builds and `judgeClient` judges.
 */
import type { WireApi } from '../stream/wire.ts';

/** A value as the client will really use it, and where it came from ("~/.claude/settings.json:7", "environment ANTHROPIC_BASE_URL"). */
export interface Setting {
  value: string;
  source: string;
}

/** `Authorization: Bearer v`, `x-api-key: v`, or a header given whole (`name: value`). */
export type CredentialHeader = 'bearer' | 'x-api-key' | 'header';

export interface Credential {
  header: CredentialHeader;
  /** For 'header': its name (e.g. Authorization for `ANTHROPIC_CUSTOM_HEADERS="Authorization: OAuth …"`). */
  name?: string;
  value: string;
  source: string;
}

export interface ClientTrust {
  /** The CA sources, e.g. "bundled roots + OS store + NODE_EXTRA_CA_CERTS (~/.claude/settings.json:5)". */
  label: string;
  /** Exactly the CAs the client would trust, PEM, concatenated; '' trusts nothing. */
  pem: string;
  /** A CA source the client names but cannot read (missing file, not PEM): the client fails on it. */
  broken: { source: string; reason: string } | null;
}

/** The route family a wire API needs on Eliza. */
export type RouteFamily = 'anthropic' | 'openai';

export interface ClientTarget {
  /** As people call it: "Claude Code". */
  client: string;
  /** As configured, before the client appends its path. */
  baseUrl: Setting;
  api: WireApi;
  family: RouteFamily;
  /** Every auth header it will send. */
  credentials: Credential[];
  /** Other headers it sends (values never shown). */
  headers: Record<string, string>;
  /** Null: the client's own default, which `judgeClient` does not check against the list. */
  model: Setting | null;
  trust: ClientTrust;
}

/** What every client check keeps in its data, for reports and for `fix`. */
export interface ClientFacts {
  /** Installed (found on PATH or by its files) and/or configured. */
  found: boolean;
  pointedAtEliza: boolean;
  baseUrl: Setting | null;
  /** Where the CA that verified the gateway came from, when it did (e.g. "the OS store"). */
  trustedVia: string | null;
  /** The trust as judged: label and result; null when not tried. */
  trust: { label: string; authorized: boolean; error: string | null } | null;
  /** The streamed request as this client sends it; null when not made. */
  request: { url: string; status: number | null; headerStyle: string; events: number | null } | null;
}
