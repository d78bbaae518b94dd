import { isPayloadRef, type PayloadRef } from '@baton/engine';

/** Loads stored values by id; an id it cannot (or may not) load is absent from the answer. */
export type LoadPayloads = (ids: string[]) => Promise<Map<string, unknown>>;

/** How a value that does not fit an answer is shown instead (API.md): a link to fetch it alone. */
export interface PayloadLink {
  $ref: string;
}

export const payloadLink = (id: string): PayloadLink => ({ $ref: `/v1/payloads/${id}` });

/** A stored value may itself hold references: they are followed this many levels at most. */
const MAX_ROUNDS = 8;
/** References nested deeper than this are not looked for (stored values are depth-limited on the way in). */
const MAX_DEPTH = 64;

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

/** Copies `value` with every reference replaced by what `replace` returns for it. */
function mapRefs(value: unknown, replace: (ref: PayloadRef) => unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (isPayloadRef(value)) return replace(value);
  if (Array.isArray(value)) return value.map((v) => mapRefs(v, replace, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mapRefs(v, replace, depth + 1);
  return out;
}

/** `value` with every stored-value reference inside it as a {@link PayloadLink}: nothing is loaded. */
export const linkPayloads = (value: unknown): unknown => mapRefs(value, (ref) => payloadLink(ref.$batonPayload));

/**
 * Replaces the payload references inside `value` (`{ $batonPayload, bytes }`) with the stored
 * values while the JSON of the whole stays within `budgetBytes`, taking them in document order;
 * a reference that does not fit becomes a {@link PayloadLink}. Only the values that fit are ever
 * loaded, so one answer never reads more than its budget of stored values, however large the run.
 * A value already above the budget without any stored value gets links for all of them.
 */
export async function hydrateWithin(value: unknown, budgetBytes: number, load: LoadPayloads): Promise<unknown> {
  let current = value;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // First walk: which occurrences fit, by the size each reference declares.
    let room = budgetBytes - jsonBytes(current);
    const fits: boolean[] = [];
    mapRefs(current, (ref) => {
      const growth = Math.max(0, ref.bytes - jsonBytes(ref));
      fits.push(growth <= room);
      if (growth <= room) room -= growth;
      return ref;
    });
    if (fits.length === 0) return current;
    const ids = new Set<string>();
    let n = 0;
    mapRefs(current, (ref) => (fits[n++] && ids.add(ref.$batonPayload), ref));
    const loaded = ids.size > 0 ? await load([...ids]) : new Map<string, unknown>();
    // Second walk, over the same occurrences in the same order: values in, the rest links.
    n = 0;
    current = mapRefs(current, (ref) => (fits[n++] && loaded.has(ref.$batonPayload) ? loaded.get(ref.$batonPayload) : payloadLink(ref.$batonPayload)));
  }
  return mapRefs(current, (ref) => payloadLink(ref.$batonPayload));
}
