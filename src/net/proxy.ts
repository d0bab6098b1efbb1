export interface ProxyChoice {
  variable: string;
  /** As written in the variable (may be malformed: see `parsed`). */
  url: string;
  /** null when the variable does not hold a usable http:// proxy URL. */
  parsed: URL | null;
}

/**
 * Which proxy a curl- or undici-like client would use for scheme://host:port, honouring NO_PROXY
 * (comma-separated; `*` for all; a name matches itself and its subdomains; an optional :port).
 */
export function proxyFor(
  host: string,
  port: number,
  env: Readonly<Record<string, string | undefined>>,
  scheme: 'https' | 'http' = 'https',
): ProxyChoice | null {
  const names = scheme === 'https' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const variable = [...names, 'all_proxy', 'ALL_PROXY'].find((name) => env[name]?.trim());
  if (!variable) return null;
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '').trim();
  if (noProxy && bypasses(host, port, noProxy)) return null;
  const url = env[variable]!.trim();
  return { variable, url, parsed: parseProxyUrl(url) };
}

/** curl takes "proxy:3128" as http://proxy:3128; anything but an http proxy is not one the doctor can use. */
export function parseProxyUrl(text: string): URL | null {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    return url.protocol === 'http:' && url.hostname ? url : null;
  } catch {
    return null;
  }
}

/** What NO_PROXY should say for the gateway to go direct: the current value plus its domain. */
export function suggestedNoProxy(host: string, env: Readonly<Record<string, string | undefined>>): string {
  const current = (env.NO_PROXY ?? env.no_proxy ?? '').trim();
  const domain = host.split('.').length > 2 ? `.${host.split('.').slice(-2).join('.')}` : host;
  return current ? `${current},${domain}` : domain;
}

export function bypasses(host: string, port: number, noProxy: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return noProxy.split(/[,\s]+/).some((entry) => {
    const raw = entry.trim().toLowerCase();
    if (!raw) return false;
    if (raw === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(raw)!;
    const pattern = match[1]!.replace(/^\*?\./, '').replace(/\.$/, '');
    if (match[2] && Number(match[2]) !== port) return false;
    return name === pattern || name.endsWith(`.${pattern}`);
  });
}

/** A URL for display: credentials (scheme-less proxy URLs too) and secret query values masked. */
export function redactUrl(text: string): string {
  const trimmed = text.trim();
  const schemeless = !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  try {
    const url = new URL(schemeless ? `http://${trimmed}` : trimmed);
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
    }
    for (const name of [...url.searchParams.keys()]) {
      if (/^(key|api[-_]?key|access[-_]?token|token|auth|password|passwd|secret|sig|signature)$/i.test(name))
        url.searchParams.set(name, '***');
    }
    const shown = url.href.replace(/\/$/, '');
    return schemeless ? shown.replace(/^http:\/\//, '') : shown;
  } catch {
    return trimmed.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^@/]*@/i, '$1***@');
  }
}
