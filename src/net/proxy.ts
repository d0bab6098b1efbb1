export interface ProxyChoice {
  variable: string;
  url: string;
}

/**
 * Which proxy a curl- or undici-like client would use for https://host:port, honouring NO_PROXY
 * (comma-separated; `*` for all; a name matches itself and its subdomains; an optional :port).
 */
export function proxyFor(
  host: string,
  port: number,
  env: Readonly<Record<string, string | undefined>>,
): ProxyChoice | null {
  const variable = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'].find((name) => env[name]?.trim());
  if (!variable) return null;
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '').trim();
  if (noProxy && bypasses(host, port, noProxy)) return null;
  return { variable, url: env[variable]!.trim() };
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

/** Credentials in a proxy URL are secrets too. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
    }
    return url.href.replace(/\/$/, '');
  } catch {
    return text.replace(/\/\/[^@/]*@/, '//***@');
  }
}
