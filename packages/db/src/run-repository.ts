import { sql, type Kysely } from 'kysely';
import type { Database, RunRow } from './schema';
import { toJsonb } from './json';

type Executor = Kysely<Database>;

/** The columns a state transition reads and writes: everything but the (large) definition. */
export type RunHead = Omit<RunRow, 'definition'>;

export interface RunUpdate {
  id: string;
  status: string;
  output: unknown;
  error: unknown;
  context: unknown;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  event_seq: number;
  used_bytes: number;
}

export interface RunListFilter {
  tenant: string;
  status?: string;
  template?: string;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

/** The UPDATE of many runs from one jsonb parameter; also a part of `writeTransitions`. */
export function runsUpdateSql(updates: RunUpdate[]) {
  const records = updates.map((u) => ({ ...u, output: u.output ?? null, error: u.error ?? null }));
  return sql`
    UPDATE runs SET status = r.status, output = r.output, error = r.error, context = r.context,
      started_at = r.started_at, finished_at = r.finished_at, event_seq = r.event_seq, used_bytes = r.used_bytes, version = runs.version + 1
    FROM jsonb_to_recordset(${toJsonb(records)}::jsonb) AS r(
      id uuid, status text, output jsonb, error jsonb, context jsonb,
      started_at timestamptz, finished_at timestamptz, event_seq integer, used_bytes integer)
    WHERE runs.id = r.id`;
}

const HEAD_COLUMNS = [
  'id', 'tenant', 'status', 'workflow_name', 'template', 'template_version', 'definition_hash', 'input', 'output', 'error',
  'context', 'priority', 'version', 'event_seq', 'submitted_by', 'created_at', 'started_at', 'finished_at', 'used_bytes',
] as const;

export class KyselyRunRepository {

  /** Locks the runs in id order (so concurrent batches cannot deadlock) and returns their heads. */
  async lock(db: Executor, ids: string[]): Promise<RunHead[]> {
    return db.selectFrom('runs').select(HEAD_COLUMNS).where('id', 'in', ids).orderBy('id').forUpdate().execute();
  }

  async heads(db: Executor, ids: string[]): Promise<RunHead[]> {
    return db.selectFrom('runs').select(HEAD_COLUMNS).where('id', 'in', ids).execute();
  }

  async definitions(db: Executor, ids: string[]): Promise<Map<string, unknown>> {
    const rows = await db.selectFrom('runs').select(['id', 'definition']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.definition]));
  }

  async get(db: Executor, tenant: string, id: string): Promise<RunRow | undefined> {
    return db.selectFrom('runs').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  async list(db: Executor, filter: RunListFilter): Promise<RunHead[]> {
    let query = db.selectFrom('runs').select(HEAD_COLUMNS).where('tenant', '=', filter.tenant);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.template) query = query.where((eb) => eb.or([eb('template', '=', filter.template!), eb('workflow_name', '=', filter.template!)]));
    if (filter.after) {
      const { createdAt, id } = filter.after;
      query = query.where(sql<boolean>`(created_at, id) < (${createdAt.toISOString()}::timestamptz, ${id}::uuid)`);
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }
}

