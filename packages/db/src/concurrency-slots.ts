import { sql, type Kysely } from 'kysely';
import { toJsonb } from './json';
import type { Database } from './schema';

/** A new run that has a concurrency key: it takes a slot of `key` when one is free, else it waits. */
export interface SlotClaim {
  runId: string;
  tenant: string;
  key: string;
  /** The workflow's `concurrency.limit`: the latest admission's limit is the key's. */
  limit: number;
  createdAt: string;
}

const byKey = <T extends { tenant: string; key: string }>(items: readonly T[]): Array<[T, T[]]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const id = `${item.tenant}\u0000${item.key}`;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  // Keys are locked in one order everywhere, so two transactions cannot deadlock on them.
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => [g[0]!, g]);
};

/**
 * Takes slots for new runs, locking each key's row: a run gets one while its key has fewer than
 * `limit` holders and no run waits before it (first come, first served), in the order given.
 * Records every claim (holding or waiting); answers the runs that got a slot.
 */
export async function takeSlots(db: Kysely<Database>, claims: readonly SlotClaim[]): Promise<Set<string>> {
  const granted = new Set<string>();
  for (const [{ tenant, key, limit }, group] of byKey(claims)) {
    const slot = await sql<{ running: number }>`
      INSERT INTO concurrency_slots (tenant, key, max_running, running) VALUES (${tenant}, ${key}, ${limit}, 0)
      ON CONFLICT (tenant, key) DO UPDATE SET max_running = EXCLUDED.max_running
      RETURNING running`.execute(db);
    const waiting = await db.selectFrom('concurrency_runs').select('run_id')
      .where('tenant', '=', tenant).where('key', '=', key).where('holding', '=', false).limit(1).execute();
    const free = waiting.length > 0 ? 0 : Math.max(0, limit - slot.rows[0]!.running);
    const taking = group.slice(0, free);
    for (const c of taking) granted.add(c.runId);
    if (taking.length > 0) {
      await db.updateTable('concurrency_slots').set((eb) => ({ running: eb('running', '+', taking.length) }))
        .where('tenant', '=', tenant).where('key', '=', key).execute();
    }
  }
  if (claims.length > 0) {
    await db.insertInto('concurrency_runs')
      .values(claims.map((c) => ({ run_id: c.runId, tenant: c.tenant, key: c.key, holding: granted.has(c.runId), created_at: c.createdAt })))
      .execute();
  }
  return granted;
}

/**
 * Frees the slots of runs that finished (a waiting run that finished, cancelled, only leaves the
 * line) and gives each freed slot to the oldest waiting run of its key. A waiting run whose row
 * another transaction holds (being cancelled) is passed over, never waited for. Answers the runs
 * that now hold a slot, locked until the transaction ends: the caller starts them in it.
 */
export async function releaseSlots(db: Kysely<Database>, runIds: readonly string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const left = await sql<{ tenant: string; key: string; holding: boolean }>`
    DELETE FROM concurrency_runs WHERE run_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${toJsonb(runIds)}::jsonb))
    RETURNING tenant, key, holding`.execute(db);
  const admitted: string[] = [];
  for (const [{ tenant, key }, group] of byKey(left.rows)) {
    const freed = group.filter((r) => r.holding).length;
    const slot = await sql<{ running: number; max_running: number }>`
      UPDATE concurrency_slots SET running = GREATEST(0, running - ${freed}) WHERE tenant = ${tenant} AND key = ${key}
      RETURNING running, max_running`.execute(db);
    const row = slot.rows[0];
    const free = row ? row.max_running - row.running : 0;
    if (free <= 0) continue;
    const next = await sql<{ run_id: string }>`
      SELECT c.run_id FROM concurrency_runs c JOIN runs r ON r.id = c.run_id
      WHERE c.tenant = ${tenant} AND c.key = ${key} AND NOT c.holding
      ORDER BY c.created_at, c.run_id LIMIT ${free}
      FOR UPDATE OF r SKIP LOCKED`.execute(db);
    if (next.rows.length === 0) continue;
    const ids = next.rows.map((r) => r.run_id);
    await db.updateTable('concurrency_runs').set({ holding: true }).where('run_id', 'in', ids).execute();
    await db.updateTable('concurrency_slots').set((eb) => ({ running: eb('running', '+', ids.length) }))
      .where('tenant', '=', tenant).where('key', '=', key).execute();
    admitted.push(...ids);
  }
  return admitted;
}
