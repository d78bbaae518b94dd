import { sql, type Kysely } from 'kysely';
import { RUN_HEAD_COLUMNS, type RunHead } from './run-head';
import type { Database, RunRow, StepRow } from './schema';

/** Which runs of a tenant `GET /v1/runs` lists, newest first. */
export interface RunListFilter {
  tenant: string;
  status?: string;
  /** A template name, or the name of a workflow submitted inline. */
  template?: string;
  limit: number;
  /** Keyset position: the last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

/** One event of a run's history (`run_events`). */
export interface RunEventRow {
  seq: number;
  type: string;
  key: string | null;
  data: unknown;
  at: Date;
}

/** Events of a run after a sequence number, read in one statement with the run's status and last sequence number at that moment. */
export interface RunHistoryPage {
  status: string;
  lastSeq: number;
  events: RunEventRow[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The runtime's `RunQueries` port on Postgres: what clients read of runs, always within one
 * tenant. Another tenant's run, step or stored value is simply absent, as is an id that is not a UUID.
 */
export class KyselyRunQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** The run, definition included, when it belongs to `tenant`. */
  run(tenant: string, id: string): Promise<RunRow | undefined> {
    if (!UUID.test(id)) return Promise.resolve(undefined);
    return this.db.selectFrom('runs').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  }

  /** A page of the tenant's runs, newest first (`created_at`, then `id`, descending). */
  list(filter: RunListFilter): Promise<RunHead[]> {
    let query = this.db.selectFrom('runs').select(RUN_HEAD_COLUMNS).where('tenant', '=', filter.tenant);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.template) query = query.where((eb) => eb.or([eb('template', '=', filter.template!), eb('workflow_name', '=', filter.template!)]));
    if (filter.after) {
      const { createdAt, id } = filter.after;
      query = query.where(sql<boolean>`(created_at, id) < (${createdAt.toISOString()}::timestamptz, ${id}::uuid)`);
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** Every entry of the run, when the run belongs to `tenant` (none otherwise). */
  steps(tenant: string, runId: string): Promise<StepRow[]> {
    if (!UUID.test(runId)) return Promise.resolve([]);
    return this.db
      .selectFrom('steps')
      .selectAll('steps')
      .where('steps.run_id', '=', runId)
      .where((eb) => eb.exists(eb.selectFrom('runs').select('runs.id').where('runs.id', '=', runId).where('runs.tenant', '=', tenant)))
      .execute();
  }

  /**
   * Up to `limit` events of the run after `after`, in order, when the run belongs to `tenant`
   * (undefined otherwise). One statement: `status` and `lastSeq` are those of the same snapshot.
   */
  async history(tenant: string, runId: string, after: number, limit: number): Promise<RunHistoryPage | undefined> {
    if (!UUID.test(runId)) return undefined;
    const { rows } = await sql<{ status: string; event_seq: number; seq: number | null; type: string; key: string | null; data: unknown; at: Date }>`
      SELECT r.status, r.event_seq, e.seq, e.type, e.key, e.data, e.at
      FROM runs r
      LEFT JOIN LATERAL (
        SELECT seq, type, key, data, at FROM run_events WHERE run_id = r.id AND seq > ${after} ORDER BY seq LIMIT ${limit}
      ) e ON true
      WHERE r.id = ${runId} AND r.tenant = ${tenant}
      ORDER BY e.seq`.execute(this.db);
    if (rows.length === 0) return undefined;
    const events = rows.flatMap(({ seq, type, key, data, at }) => (seq === null ? [] : [{ seq, type, key, data, at }]));
    return { status: rows[0]!.status, lastSeq: rows[0]!.event_seq, events };
  }

  /** Stored values by id, only those of `tenant`'s runs: another tenant's, an unknown and a malformed id are absent. */
  async payloads(tenant: string, ids: readonly string[]): Promise<Map<string, unknown>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (wanted.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('payloads')
      .innerJoin('runs', 'runs.id', 'payloads.run_id')
      .select(['payloads.id', 'payloads.data'])
      .where('runs.tenant', '=', tenant)
      .where('payloads.id', 'in', wanted)
      .execute();
    return new Map(rows.map((r) => [r.id, r.data]));
  }
}
