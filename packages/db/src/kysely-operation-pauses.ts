import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Paused templates of each tenant on Postgres (`template_pauses`): the runtime's `TemplatePauseStore`. */
export class KyselyTemplatePauses {
  constructor(private readonly db: Kysely<Database>) {}

  private async exists(tenant: string, name: string): Promise<boolean> {
    const row = await this.db.selectFrom('templates').select('version').where('tenant', '=', tenant).where('name', '=', name).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async pause(tenant: string, name: string, by: string, at: Date): Promise<boolean | undefined> {
    if (!(await this.exists(tenant, name))) return undefined;
    const rows = await this.db.insertInto('template_pauses').values({ tenant, name, paused_by: by, paused_at: at })
      .onConflict((oc) => oc.doNothing()).returning('name').execute();
    return rows.length > 0;
  }

  async resume(tenant: string, name: string): Promise<boolean | undefined> {
    if (!(await this.exists(tenant, name))) return undefined;
    const result = await this.db.deleteFrom('template_pauses').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async pausedBy(tenant: string, name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('template_pauses').select('paused_by').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row?.paused_by;
  }

  async pauseOf(tenant: string, name: string): Promise<{ by: string; at: Date } | undefined> {
    const row = await this.db.selectFrom('template_pauses').select(['paused_by', 'paused_at']).where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return row && { by: row.paused_by, at: row.paused_at };
  }

  async pausedRuns(tenant: string, name: string, pausedBy: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('runs').select('id')
      .where('tenant', '=', tenant).where('template', '=', name).where('status', '=', 'paused').where('paused_by', '=', pausedBy)
      .orderBy('created_at').limit(limit).execute();
    return rows.map((r) => r.id);
  }
}

/** Agent pauses on Postgres (`agent_pauses`): the runtime's `AgentPauseRecords`. */
export class KyselyAgentPauses {
  constructor(private readonly db: Kysely<Database>) {}

  async put(name: string, pause: { by: string; reason?: string; at: Date }): Promise<boolean> {
    const rows = await this.db.insertInto('agent_pauses').values({ name, paused_by: pause.by, reason: pause.reason ?? null, paused_at: pause.at })
      .onConflict((oc) => oc.doNothing()).returning('name').execute();
    return rows.length > 0;
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agent_pauses').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async all(): Promise<Map<string, { by: string; reason?: string; at: Date }>> {
    const rows = await this.db.selectFrom('agent_pauses').selectAll().execute();
    return new Map(rows.map((r) => [r.name, { by: r.paused_by, ...(r.reason === null ? {} : { reason: r.reason }), at: r.paused_at }]));
  }
}
