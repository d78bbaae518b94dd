import { sql, type Kysely } from 'kysely';
import { toJsonb } from './json';
import type { Database } from './schema';

/** Which runs of a tenant a bulk operation walks. */
export interface BulkRunScan {
  tenant: string;
  statuses: string[];
  workflow?: string;
  template?: string;
  createdAfter?: Date;
  createdBefore: Date;
}

/** The filter as the request gave it. */
export interface BulkFilterRecord {
  status?: string[];
  workflow?: string;
  template?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface BulkOperationRecord {
  id: string;
  tenant: string;
  action: 'cancel' | 'retry' | 'pause' | 'resume';
  filter: BulkFilterRecord;
  status: 'running' | 'succeeded';
  cursor?: { createdAt: Date; id: string };
  matched: number;
  done: number;
  failed: number;
  createdBy: string;
  createdAt: Date;
  finishedAt?: Date;
}

/** The first key of the advisory locks of bulk operations (the second is the id's hash). */
const LOCK_SPACE = 7_355_623;

/** `bulk_operations`, and the keyset walk over the runs an operation takes. */
export class KyselyBulkOperations {
  constructor(private readonly db: Kysely<Database>) {}

  async count(scan: BulkRunScan): Promise<number> {
    const row = await this.runs(scan).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async create(op: BulkOperationRecord): Promise<void> {
    await this.db.insertInto('bulk_operations').values({
      id: op.id, tenant: op.tenant, action: op.action, filter: toJsonb(op.filter), status: op.status,
      cursor_created_at: null, cursor_id: null, matched: op.matched, created_by: op.createdBy,
      created_at: op.createdAt, updated_at: op.createdAt, finished_at: null,
    }).execute();
  }

  async get(id: string, tenant?: string): Promise<BulkOperationRecord | undefined> {
    let q = this.db.selectFrom('bulk_operations').selectAll().where('id', '=', id);
    if (tenant !== undefined) q = q.where('tenant', '=', tenant);
    const row = await q.executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id, tenant: row.tenant, action: row.action as BulkOperationRecord['action'], filter: row.filter as BulkFilterRecord,
      status: row.status as BulkOperationRecord['status'],
      cursor: row.cursor_created_at && row.cursor_id ? { createdAt: row.cursor_created_at, id: row.cursor_id } : undefined,
      matched: row.matched, done: row.done, failed: row.failed, createdBy: row.created_by, createdAt: row.created_at,
      finishedAt: row.finished_at ?? undefined,
    };
  }

  async unfinished(limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('bulk_operations').select('id').where('status', '=', 'running').orderBy('created_at').limit(limit).execute();
    return rows.map((r) => r.id);
  }

  async withLock<T>(id: string, task: () => Promise<T>): Promise<T | undefined> {
    // A session lock on a connection of its own: no transaction stays open while the operation
    // runs, and a process that dies frees it with its connection.
    return this.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext(${id})) AS locked`.execute(conn);
      if (!rows[0]?.locked) return undefined;
      try {
        return await task();
      } finally {
        await sql`SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext(${id}))`.execute(conn).catch(() => undefined);
      }
    });
  }

  async nextRuns(scan: BulkRunScan, after: BulkOperationRecord['cursor'], limit: number): Promise<Array<{ id: string; createdAt: Date }>> {
    let q = this.runs(scan).select(['id', 'created_at']);
    if (after) q = q.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
    const rows = await q.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
  }

  async advance(id: string, cursor: { createdAt: Date; id: string }, done: number, failed: number): Promise<void> {
    await this.db.updateTable('bulk_operations').set((eb) => ({
      cursor_created_at: cursor.createdAt, cursor_id: cursor.id,
      done: eb('done', '+', done), failed: eb('failed', '+', failed), updated_at: new Date(),
    })).where('id', '=', id).execute();
  }

  async finish(id: string): Promise<void> {
    const now = new Date();
    await this.db.updateTable('bulk_operations').set((eb) => ({ status: 'succeeded', matched: eb('done', '+', eb.ref('failed')), updated_at: now, finished_at: now }))
      .where('id', '=', id).execute();
  }

  private runs(scan: BulkRunScan) {
    let q = this.db.selectFrom('runs').where('tenant', '=', scan.tenant).where('created_at', '<', scan.createdBefore);
    q = scan.statuses.length > 0 ? q.where('status', 'in', scan.statuses) : q.where(sql<boolean>`false`);
    if (scan.workflow !== undefined) q = q.where('workflow_name', '=', scan.workflow);
    if (scan.template !== undefined) q = q.where('template', '=', scan.template);
    if (scan.createdAfter !== undefined) q = q.where('created_at', '>', scan.createdAfter);
    return q;
  }
}
