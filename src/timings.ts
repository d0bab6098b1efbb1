/** httpstat's phases; null where a phase did not happen in this measurement. */
export interface Timings {
  dnsMs: number | null;
  tcpMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  totalMs: number;
}

/** Slower than this, a phase is worth a warning: a healthy corporate network does each in far less. */
export const SLOW_MS = { dnsMs: 1000, tcpMs: 1000, tlsMs: 1500 } as const;

export function timingLine(t: Timings, note = ''): string {
  const part = (name: string, ms: number | null) => (ms === null ? null : `${name} ${ms} ms`);
  const parts = [
    part('DNS', t.dnsMs),
    part('connect', t.tcpMs),
    part('TLS', t.tlsMs),
    part('first byte', t.ttfbMs),
  ];
  return `timings: ${parts.filter(Boolean).join(', ')}; total ${t.totalMs} ms${note}`;
}

/** The network phases that took abnormally long, as "TLS 2300 ms". */
export function slowPhases(t: Timings): string[] {
  const names = { dnsMs: 'DNS', tcpMs: 'connect', tlsMs: 'TLS handshake' } as const;
  return (Object.keys(SLOW_MS) as (keyof typeof SLOW_MS)[])
    .filter((k) => t[k] !== null && t[k]! > SLOW_MS[k])
    .map((k) => `${names[k]} ${t[k]} ms`);
}
