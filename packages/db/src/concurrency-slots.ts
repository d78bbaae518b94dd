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
  /** The workflow's fair-share pool (`concurrency.total`) and this run's weight in it. */
  pool?: { name: string; total: number; weight: number };
  createdAt: string;
}

/** Pools are locked before keys, in name order, everywhere: two transactions cannot deadlock on them. */
const sortedNames = (names: Iterable<string>): string[] => [...new Set(names)].sort();

/** Free slots of each pool for new runs, its row locked: none while any run of the pool waits (the line is fair, not first come). */
async function lockPools(db: Kysely<Database>, claims: readonly SlotClaim[]): Promise<Map<string, number>> {
  const free = new Map<string, number>();
  const totals = new Map(claims.flatMap((c) => (c.pool ? [[c.pool.name, c.pool.total] as const] : [])));
  for (const name of sortedNames(totals.keys())) {
    const pool = await sql<{ running: number; total: number }>`
      INSERT INTO concurrency_pools (name, total) VALUES (${name}, ${totals.get(name)!})
      ON CONFLICT (name) DO UPDATE SET total = EXCLUDED.total
      RETURNING running, total`.execute(db);
    const waiting = await sql<{ one: number }>`
      SELECT 1 AS one FROM concurrency_runs c JOIN concurrency_slots s ON s.tenant = c.tenant AND s.key = c.key
      WHERE s.pool = ${name} AND NOT c.holding LIMIT 1`.execute(db);
    free.set(name, waiting.rows.length > 0 ? 0 : Math.max(0, pool.rows[0]!.total - pool.rows[0]!.running));
  }
  return free;
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
  const poolFree = await lockPools(db, claims);
  for (const [{ tenant, key, limit, pool }, group] of byKey(claims)) {
    const slot = await sql<{ running: number }>`
      INSERT INTO concurrency_slots (tenant, key, max_running, running, pool, weight) VALUES (${tenant}, ${key}, ${limit}, 0, ${pool?.name ?? null}, ${pool?.weight ?? 1})
      ON CONFLICT (tenant, key) DO UPDATE SET max_running = EXCLUDED.max_running, pool = EXCLUDED.pool, weight = EXCLUDED.weight
      RETURNING running`.execute(db);
    const waiting = await db.selectFrom('concurrency_runs').select('run_id')
      .where('tenant', '=', tenant).where('key', '=', key).where('holding', '=', false).limit(1).execute();
    const keyFree = waiting.length > 0 ? 0 : Math.max(0, limit - slot.rows[0]!.running);
    const free = pool ? Math.min(keyFree, poolFree.get(pool.name)!) : keyFree;
    const taking = group.slice(0, free);
    for (const c of taking) granted.add(c.runId);
    if (taking.length === 0) continue;
    if (pool) {
      poolFree.set(pool.name, poolFree.get(pool.name)! - taking.length);
      // Uncontended runs are charged too, so a key that ran much waits its turn once the pool is full.
      await sql`
        WITH p AS (UPDATE concurrency_pools SET running = running + ${taking.length} WHERE name = ${pool.name} RETURNING vtime)
        UPDATE concurrency_slots s SET running = running + ${taking.length}, pass = GREATEST(s.pass, p.vtime) + ${taking.length}::float8 / s.weight
        FROM p WHERE s.tenant = ${tenant} AND s.key = ${key}`.execute(db);
    } else {
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
  // The pools of the keys being freed are locked first (see sortedNames).
  const pools = await sql<{ name: string }>`
    SELECT p.name FROM concurrency_pools p WHERE p.name IN (
      SELECT s.pool FROM concurrency_runs c JOIN concurrency_slots s ON s.tenant = c.tenant AND s.key = c.key
      WHERE c.run_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${toJsonb(runIds)}::jsonb)) AND s.pool IS NOT NULL)
    ORDER BY p.name FOR UPDATE`.execute(db);
  const left = await sql<{ tenant: string; key: string; holding: boolean }>`
    DELETE FROM concurrency_runs WHERE run_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${toJsonb(runIds)}::jsonb))
    RETURNING tenant, key, holding`.execute(db);
  const admitted: string[] = [];
  const poolFreed = new Map<string, number>(pools.rows.map((p) => [p.name, 0]));
  for (const [{ tenant, key }, group] of byKey(left.rows)) {
    const freed = group.filter((r) => r.holding).length;
    const slot = await sql<{ running: number; max_running: number; pool: string | null }>`
      UPDATE concurrency_slots SET running = GREATEST(0, running - ${freed}) WHERE tenant = ${tenant} AND key = ${key}
      RETURNING running, max_running, pool`.execute(db);
    const row = slot.rows[0];
    if (row?.pool != null && poolFreed.has(row.pool)) {
      poolFreed.set(row.pool, poolFreed.get(row.pool)! + freed);
      continue;
    }
    const free = row ? row.max_running - row.running : 0;
    if (free <= 0) continue;
    const ids = await oldestWaiting(db, tenant, key, free);
    if (ids.length === 0) continue;
    await hold(db, tenant, key, ids);
    admitted.push(...ids);
  }
  for (const [name, freed] of poolFreed) admitted.push(...await admitFairly(db, name, freed));
  return admitted;
}

async function oldestWaiting(db: Kysely<Database>, tenant: string, key: string, limit: number): Promise<string[]> {
  const next = await sql<{ run_id: string }>`
    SELECT c.run_id FROM concurrency_runs c JOIN runs r ON r.id = c.run_id
    WHERE c.tenant = ${tenant} AND c.key = ${key} AND NOT c.holding
    ORDER BY c.created_at, c.run_id LIMIT ${limit}
    FOR UPDATE OF r SKIP LOCKED`.execute(db);
  return next.rows.map((r) => r.run_id);
}

async function hold(db: Kysely<Database>, tenant: string, key: string, ids: string[]): Promise<void> {
  await db.updateTable('concurrency_runs').set({ holding: true }).where('run_id', 'in', ids).execute();
  await db.updateTable('concurrency_slots').set((eb) => ({ running: eb('running', '+', ids.length) }))
    .where('tenant', '=', tenant).where('key', '=', key).execute();
}

/**
 * Gives a pool's free slots to its waiting runs one at a time, by start-time fair queuing: the key
 * with waiting runs and room whose start (its pass, or the pool's virtual time if later) is
 * smallest goes next, and its pass moves on by 1/weight. So a key of weight 3 gets three turns
 * for one of a key of weight 1, whoever submitted first.
 */
async function admitFairly(db: Kysely<Database>, name: string, freed: number): Promise<string[]> {
  const pool = await sql<{ total: number; running: number; vtime: number }>`
    UPDATE concurrency_pools SET running = GREATEST(0, running - ${freed}) WHERE name = ${name} RETURNING total, running, vtime`.execute(db);
  let { running, vtime } = pool.rows[0]!;
  const { total } = pool.rows[0]!;
  const admitted: string[] = [];
  const passedOver: Array<[string, string]> = [];
  while (running < total) {
    const pick = await sql<{ tenant: string; key: string; weight: number; start: number }>`
      SELECT s.tenant, s.key, s.weight, GREATEST(s.pass, ${vtime}::float8) AS start FROM concurrency_slots s
      WHERE s.pool = ${name} AND s.running < s.max_running AND NOT jsonb_build_array(s.tenant, s.key) IN (SELECT value FROM jsonb_array_elements(${toJsonb(passedOver)}::jsonb))
        AND EXISTS (SELECT 1 FROM concurrency_runs c WHERE c.tenant = s.tenant AND c.key = s.key AND NOT c.holding)
      ORDER BY start, s.tenant, s.key LIMIT 1`.execute(db);
    const slot = pick.rows[0];
    if (!slot) break;
    const [id] = await oldestWaiting(db, slot.tenant, slot.key, 1);
    if (!id) {
      // Its waiting runs are being cancelled: the next key goes instead.
      passedOver.push([slot.tenant, slot.key]);
      continue;
    }
    await hold(db, slot.tenant, slot.key, [id]);
    await sql`UPDATE concurrency_slots SET pass = ${slot.start}::float8 + 1.0 / weight WHERE tenant = ${slot.tenant} AND key = ${slot.key}`.execute(db);
    vtime = slot.start;
    running++;
    admitted.push(id);
  }
  await sql`UPDATE concurrency_pools SET running = ${running}, vtime = ${vtime} WHERE name = ${name}`.execute(db);
  return admitted;
}
