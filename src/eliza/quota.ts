/** GET /quota: its shape is not documented, so it is read by the meaning of its keys. */
export interface QuotaFamily {
  family: string;
  limit: number | null;
  used: number | null;
  remaining: number | null;
}

const LIMIT_KEYS = /limit|quota|total|max|allowed|budget/i;
const USED_KEYS = /used|spent|usage|consumed/i;
const REMAINING_KEYS = /remain|left|available|balance|rest/i;
const FAMILY_KEYS = ['model_family', 'family', 'name', 'model', 'id'];

/**
 * The /quota shape is not documented: accept a list of entries, a map of family -> entry, or
 * either one level down, and read numbers (or numeric strings) by the meaning of their keys.
 */
export function parseQuota(json: unknown): QuotaFamily[] | null {
  const entries = findEntries(json);
  if (!entries) return null;
  const families = entries.flatMap(([name, entry]) => {
    const numbers = Object.entries(entry).flatMap(([key, value]) => {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())
            ? Number(value)
            : null;
      return n === null ? [] : [[key, n] as const];
    });
    const pick = (pattern: RegExp, not: RegExp[] = []) =>
      numbers.find(([key]) => pattern.test(key) && !not.some((p) => p.test(key)))?.[1] ?? null;
    const remaining = pick(REMAINING_KEYS);
    const used = pick(USED_KEYS, [REMAINING_KEYS]);
    const limit = pick(LIMIT_KEYS, [REMAINING_KEYS, USED_KEYS]);
    if (remaining === null && used === null && limit === null) return [];
    return [{ family: name, limit, used, remaining }];
  });
  return families.length ? families : null;
}

function findEntries(json: unknown, depth = 0): [string, Record<string, unknown>][] | null {
  if (depth > 2 || !json || typeof json !== 'object') return null;
  if (Array.isArray(json)) {
    const objects = json.filter(
      (e): e is Record<string, unknown> => !!e && typeof e === 'object' && !Array.isArray(e),
    );
    if (!objects.length) return null;
    return objects.map((o, i) => {
      const key = FAMILY_KEYS.find((k) => typeof o[k] === 'string');
      return [key ? String(o[key]) : `#${i + 1}`, o];
    });
  }
  const values = Object.entries(json as Record<string, unknown>);
  for (const [, value] of values) {
    if (Array.isArray(value)) {
      const found = findEntries(value, depth + 1);
      if (found) return found;
    }
  }
  const objects = values.filter(
    (e): e is [string, Record<string, unknown>] => !!e[1] && typeof e[1] === 'object' && !Array.isArray(e[1]),
  );
  if (
    objects.length &&
    objects.every(([, o]) => Object.values(o).some((v) => typeof v === 'number' || typeof v === 'string'))
  ) {
    return objects;
  }
  return null;
}

export function isExhausted(q: QuotaFamily): boolean {
  if (q.remaining !== null) return q.remaining <= 0;
  return q.limit !== null && q.used !== null && q.limit > 0 && q.used >= q.limit;
}

export function describeQuota(q: QuotaFamily): string {
  const n = (x: number) => String(Math.round(x * 100) / 100);
  if (q.limit !== null && q.used !== null) return `${q.family}: ${n(q.used)} of ${n(q.limit)} used`;
  if (q.remaining !== null) return `${q.family}: ${n(q.remaining)} left`;
  if (q.used !== null) return `${q.family}: ${n(q.used)} used`;
  return `${q.family}: limit ${n(q.limit!)}`;
}
