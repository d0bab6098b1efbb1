/** GET /v1/models: the ids on offer. */
/** Model ids from GET /v1/models, or null when the shape is not a list of models. */
export function parseModels(json: unknown): string[] | null {
  const data = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return null;
  return data.flatMap((m) =>
    m && typeof m === 'object' && typeof (m as { id?: unknown }).id === 'string'
      ? [(m as { id: string }).id]
      : [],
  );
}
