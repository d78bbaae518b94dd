import { randomUUID } from 'node:crypto';
import { KyselyPayloadRepository, toJsonb, type Db } from '@baton/db';

/** What a large value is replaced with in steps, events and jobs. */
export interface PayloadRef {
  $batonPayload: string;
  bytes: number;
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && typeof (value as PayloadRef).$batonPayload === 'string' && typeof (value as PayloadRef).bytes === 'number';
}

/**
 * Outputs above `thresholdBytes` are stored once in Postgres and travel as a `PayloadRef`, so a
 * large value never sits in Redis or in a job. Agents see plain values: inputs are hydrated before
 * an agent runs.
 */
export class PayloadStore {
  private readonly repo = new KyselyPayloadRepository();

  constructor(
    private readonly db: Db,
    /** @defaultValue 65536 */
    readonly thresholdBytes = 64 * 1024,
  ) {}

  /** Returns the value itself, or a reference once stored when its JSON is over the threshold. */
  async offload(runId: string, value: unknown): Promise<unknown> {
    if (value === undefined || value === null || typeof value !== 'object' && typeof value !== 'string') return value;
    if (typeof value === 'string' && value.length * 3 < this.thresholdBytes) return value;
    const json = toJsonb(value);
    const bytes = Buffer.byteLength(json);
    if (bytes <= this.thresholdBytes) return value;
    const id = randomUUID();
    await this.repo.put(this.db.kysely, { id, runId, json, now: new Date() });
    return { $batonPayload: id, bytes } satisfies PayloadRef;
  }

  /** Replaces every reference inside `value` with the stored value. */
  async hydrate(value: unknown): Promise<unknown> {
    const ids = new Set<string>();
    collect(value, ids, 0);
    if (ids.size === 0) return value;
    const loaded = await this.repo.get(this.db.kysely, [...ids]);
    return replace(value, loaded);
  }
}

function collect(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (isPayloadRef(value)) {
    into.add(value.$batonPayload);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collect(v, into, depth + 1);
}

function replace(value: unknown, loaded: Map<string, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isPayloadRef(value)) return loaded.has(value.$batonPayload) ? loaded.get(value.$batonPayload) : value;
  if (Array.isArray(value)) return value.map((v) => replace(v, loaded));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, loaded)]));
}
