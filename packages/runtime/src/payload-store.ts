import { randomUUID } from 'node:crypto';
import { toJsonb } from '@baton/db';
import { isPayloadRef, type PayloadRef } from '@baton/engine';
import type { RunStoreAccess } from './run-store';

/** A stored value, with its JSON text so a value passed on unchanged is recognised and not stored twice. */
export interface LoadedPayload {
  value: unknown;
  text: string;
}

/**
 * Values above `thresholdBytes` are stored once in Postgres and travel as a `PayloadRef`, so a
 * large value never sits in Redis or in a job. Agents and clients see plain values: the worker
 * hydrates inputs before an agent runs, the api hydrates what it answers, and the engine's
 * expressions see the stored values in place of their references.
 */
export class PayloadStore {
  constructor(
    private readonly store: RunStoreAccess,
    /** @defaultValue 65536 */
    readonly thresholdBytes = 64 * 1024,
  ) {}

  /**
   * Returns the value itself, or a reference once stored when its JSON is over the threshold. A
   * step's output is stored whole (not part by part): the engine sees an output as one value.
   */
  async offload(runId: string, value: unknown): Promise<unknown> {
    if (value === undefined || value === null || (typeof value !== 'object' && typeof value !== 'string')) return value;
    if (typeof value === 'string' && value.length * 3 < this.thresholdBytes) return value;
    const json = toJsonb(value);
    const bytes = Buffer.byteLength(json);
    if (bytes <= this.thresholdBytes) return value;
    const id = randomUUID();
    await this.store.putPayloads([{ id, runId, json }], new Date());
    return { $batonPayload: id, bytes } satisfies PayloadRef;
  }

  /** Replaces every reference inside `value` with the stored value. */
  async hydrate(value: unknown): Promise<unknown> {
    const ids = new Set<string>();
    collectRefs(value, ids);
    if (ids.size === 0) return value;
    const loaded = await this.store.payloads([...ids]);
    return replaceRefs(value, loaded);
  }

  /** Loads stored values with their JSON text (inside the caller's transaction, when `tx` is one). */
  async load(tx: RunStoreAccess, ids: string[]): Promise<Map<string, LoadedPayload>> {
    if (ids.length === 0) return new Map();
    const values = await tx.payloads(ids);
    // Keyed by JSON.stringify's text, not jsonb's (which spaces objects differently).
    return new Map([...values].map(([id, value]) => [id, { value, text: toJsonb(value) }]));
  }

  /** A compactor for one transaction: large values it is given become references, stored on `flush`. */
  compactor(known: Iterable<[string, LoadedPayload]>): PayloadCompactor {
    return new PayloadCompactor(this.thresholdBytes, known);
  }
}

/**
 * Shrinks values before they are written to steps or jobs: a large value that is a stored payload
 * again becomes its reference; another large value is stored as a new payload.
 */
export class PayloadCompactor {
  private readonly byText = new Map<string, string>();
  private readonly pending: Array<{ id: string; run_id: string; text: string; value: unknown }> = [];

  constructor(
    private readonly thresholdBytes: number,
    known: Iterable<[string, LoadedPayload]>,
  ) {
    for (const [id, p] of known) this.byText.set(p.text, id);
  }

  compact(runId: string, value: unknown, depth = 0): unknown {
    if (value === undefined || value === null || (typeof value !== 'object' && typeof value !== 'string')) return value;
    if (typeof value === 'string' && value.length * 3 < this.thresholdBytes) return value;
    let current = value;
    let text = toJsonb(current);
    if (Buffer.byteLength(text) <= this.thresholdBytes) return value;
    const same = this.byText.get(text);
    if (same) return { $batonPayload: same, bytes: Buffer.byteLength(text) } satisfies PayloadRef;
    if (typeof current === 'object' && depth < 32) {
      // Perhaps only some parts are large: shrink those and keep the rest inline.
      current = Array.isArray(current)
        ? current.map((v) => this.compact(runId, v, depth + 1))
        : Object.fromEntries(Object.entries(current as Record<string, unknown>).map(([k, v]) => [k, this.compact(runId, v, depth + 1)]));
      text = toJsonb(current);
      if (Buffer.byteLength(text) <= this.thresholdBytes) return current;
    }
    const id = randomUUID();
    this.pending.push({ id, run_id: runId, text, value: current });
    this.byText.set(text, id);
    return { $batonPayload: id, bytes: Buffer.byteLength(text) } satisfies PayloadRef;
  }

  /** Payloads made since the last flush: id, run and value. */
  created(): ReadonlyArray<{ id: string; run_id: string; value: unknown; text: string }> {
    return this.pending;
  }

  /** Stores the new payloads in the caller's transaction (their runs must exist). */
  async flush(tx: RunStoreAccess, now: Date): Promise<void> {
    const made = this.pending.splice(0);
    if (made.length > 0) await tx.putPayloads(made.map((p) => ({ id: p.id, runId: p.run_id, json: p.text })), now);
  }
}

export function collectRefs(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 64 || value === null || typeof value !== 'object') return;
  if (isPayloadRef(value)) {
    into.add(value.$batonPayload);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collectRefs(v, into, depth + 1);
}

function replaceRefs(value: unknown, loaded: Map<string, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isPayloadRef(value)) return loaded.has(value.$batonPayload) ? loaded.get(value.$batonPayload) : value;
  if (Array.isArray(value)) return value.map((v) => replaceRefs(v, loaded));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceRefs(v, loaded)]));
}
