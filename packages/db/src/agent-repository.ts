import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Agents any worker ever registered, kept in Postgres so losing Redis forgets none. */
export class KyselyAgentRepository {
  async register(db: Kysely<Database>, agents: Array<{ name: string; description: string }>, now = new Date()): Promise<void> {
    if (agents.length === 0) return;
    await db
      .insertInto('agents')
      .values(agents.map((a) => ({ name: a.name, description: a.description, first_seen_at: now, last_seen_at: now })))
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ description: eb.ref('excluded.description'), last_seen_at: eb.ref('excluded.last_seen_at') })))
      .execute();
  }

  async names(db: Kysely<Database>): Promise<Set<string>> {
    const rows = await db.selectFrom('agents').select('name').execute();
    return new Set(rows.map((r) => r.name));
  }
}
