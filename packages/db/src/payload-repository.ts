import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** Large step outputs, stored once; steps and jobs carry only their ids. */
export class KyselyPayloadRepository {
  /** Stores a value already serialised as JSON text (NULs replaced), so it is not stringified twice. */
  async put(db: Kysely<Database>, payload: { id: string; runId: string; json: string; now: Date }): Promise<void> {
    await sql`INSERT INTO payloads (id, run_id, data, bytes, created_at)
      VALUES (${payload.id}, ${payload.runId}, ${payload.json}::jsonb, ${Buffer.byteLength(payload.json)}, ${payload.now})`.execute(db);
  }

  async get(db: Kysely<Database>, ids: string[]): Promise<Map<string, unknown>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('payloads').select(['id', 'data']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.data]));
  }
}
