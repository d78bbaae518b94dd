import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { toJsonb } from './json';
import type { Database } from './schema';

/** The stored settings: a JSON object, with its version (0 before the first change) and last change. */
export interface StoredSettings {
  value: Record<string, unknown>;
  version: number;
  updatedBy?: string;
  updatedAt?: Date;
}

/** An entry of the audit trail. */
export interface AuditEvent {
  id: string;
  at: Date;
  tenant: string;
  actor: string;
  action: string;
  data: unknown;
}

const toStored = (row: { value: unknown; version: number; updated_by: string | null; updated_at: Date | null } | undefined): StoredSettings => row === undefined
  ? { value: {}, version: 0 }
  : { value: row.value as Record<string, unknown>, version: row.version, ...(row.updated_by ? { updatedBy: row.updated_by } : {}), ...(row.updated_at ? { updatedAt: row.updated_at } : {}) };

/** The deployment's runtime settings on Postgres: one row, changed under its lock, each change audited. */
export class KyselySettingsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async read(): Promise<StoredSettings> {
    return toStored(await this.db.selectFrom('settings').select(['value', 'version', 'updated_by', 'updated_at']).executeTakeFirst());
  }

  /**
   * Changes the settings: `change` sees the current ones (the row locked, so concurrent changes
   * apply one after the other) and returns the new value, or undefined to change nothing. The
   * change and its audit event (`settings.changed`, with `data`) commit together.
   */
  async update<E>(who: { tenant: string; actor: string }, change: (current: StoredSettings) => { value: Record<string, unknown>; data: unknown } | { refused: E }): Promise<StoredSettings | { refused: E }> {
    return this.db.transaction().execute(async (tx) => {
      await tx.insertInto('settings').values({ value: '{}', version: 0 }).onConflict((oc) => oc.doNothing()).execute();
      const current = toStored(await tx.selectFrom('settings').select(['value', 'version', 'updated_by', 'updated_at']).forUpdate().executeTakeFirst());
      const next = change(current);
      if ('refused' in next) return next;
      const at = new Date();
      const row = await tx.updateTable('settings')
        .set({ value: toJsonb(next.value), version: current.version + 1, updated_by: who.actor, updated_at: at })
        .returning(['value', 'version', 'updated_by', 'updated_at'])
        .executeTakeFirstOrThrow();
      await tx.insertInto('audit_events').values({ id: randomUUID(), at, tenant: who.tenant, actor: who.actor, action: 'settings.changed', data: toJsonb(next.data) }).execute();
      return toStored(row);
    });
  }

  /** The latest audit events, newest first. */
  async audit(limit: number): Promise<AuditEvent[]> {
    const rows = await this.db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, at: r.at, tenant: r.tenant, actor: r.actor, action: r.action, data: r.data }));
  }
}
