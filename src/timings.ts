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
  return described(t, slowKeys(t));
}

/**
 * The phases that were slow on the wire: slow even less the time this process held its own event
 * loop meanwhile (busyMs), by which a socket event's stamp may be late. A phase slow only with that
 * time in it is the machine's, not the network's. As measured, like slowPhases.
 */
export function slowOnTheWire(t: Timings, busyMs: number): string[] {
  const less = (ms: number | null) => (ms === null ? null : Math.max(0, ms - busyMs));
  return described(t, slowKeys({ ...t, tcpMs: less(t.tcpMs), tlsMs: less(t.tlsMs) }));
}

type Phase = keyof typeof SLOW_MS;
const PHASE_NAMES = { dnsMs: 'DNS', tcpMs: 'connect', tlsMs: 'TLS handshake' } as const;

function slowKeys(t: Timings): Phase[] {
  return (Object.keys(SLOW_MS) as Phase[]).filter((k) => t[k] !== null && t[k]! > SLOW_MS[k]);
}

function described(t: Timings, phases: Phase[]): string[] {
  return phases.map((k) => `${PHASE_NAMES[k]} ${t[k]} ms`);
}
