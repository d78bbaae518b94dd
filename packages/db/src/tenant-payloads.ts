import type { Kysely } from 'kysely';
import type { Database } from './schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Stored values by id, only those belonging to runs of `tenant`: another tenant's payload, an
 * unknown id and a malformed one are all simply absent from the answer (the api's 404).
 */
export async function tenantPayloads(db: Kysely<Database>, tenant: string, ids: readonly string[]): Promise<Map<string, unknown>> {
  const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('payloads')
    .innerJoin('runs', 'runs.id', 'payloads.run_id')
    .select(['payloads.id', 'payloads.data'])
    .where('runs.tenant', '=', tenant)
    .where('payloads.id', 'in', wanted)
    .execute();
  return new Map(rows.map((r) => [r.id, r.data]));
}
