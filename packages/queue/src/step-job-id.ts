const SEPARATOR = '__';

// BullMQ refuses `:` in custom ids, and keys hold `:`, `[`, `]`, `>`. encodeURIComponent leaves `_`
// alone, so it is escaped too: then the separator cannot occur inside a part and the id is injective.
const encode = (part: string): string => encodeURIComponent(part).replace(/_/g, '%5F');

/**
 * The BullMQ job id of one step attempt: `<runId>__<key>__<attempt>`, each part URI-encoded (and `_`
 * escaped). Deterministic, so enqueueing the same attempt twice adds one job; reversible with
 * {@link parseStepJobId}.
 * @throws RangeError when attempt is not a non-negative integer.
 */
export function stepJobId(runId: string, key: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  return [encode(runId), encode(key), String(attempt)].join(SEPARATOR);
}

/** The inverse of {@link stepJobId}; undefined for an id it did not make. */
export function parseStepJobId(id: string): { runId: string; key: string; attempt: number } | undefined {
  const parts = id.split(SEPARATOR);
  if (parts.length !== 3) return undefined;
  const [runId, key, attempt] = parts as [string, string, string];
  if (!/^\d+$/.test(attempt)) return undefined;
  try {
    return { runId: decodeURIComponent(runId), key: decodeURIComponent(key), attempt: Number(attempt) };
  } catch {
    return undefined;
  }
}
