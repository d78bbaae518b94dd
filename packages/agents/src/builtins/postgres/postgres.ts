import { Pool, Query, type PoolClient, type QueryConfig, type QueryResult } from 'pg';
import { z } from 'zod';
import { NonRetryableError, defineAgent } from '@baton/agent-sdk';

const CONNECTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_ROWS = 100_000;

/** One named connection of `BATON_CONNECTIONS`. */
export const postgresConnectionSchema = z
  .object({
    /** `postgres://user:password@host:port/db`; the password lives here (config only, never in a step). */
    url: z.string().refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL'),
    /** Every statement runs in a read-only transaction. */
    readOnly: z.boolean().default(false),
    statementTimeoutMs: z.number().int().min(1).max(3_600_000).default(10_000),
    /** The most rows a step gets back; a step may ask for fewer. */
    maxRows: z.number().int().min(1).max(MAX_ROWS).default(1000),
    poolSize: z.number().int().min(1).max(100).default(5),
  })
  .strict();

/** `BATON_CONNECTIONS`: the connections the `postgres` agent may use, by name. */
export const postgresConnectionsSchema = z.record(
  z.string().regex(CONNECTION_NAME, `connection names must match ${CONNECTION_NAME.source}`),
  postgresConnectionSchema,
);

export type PostgresConnection = z.output<typeof postgresConnectionSchema>;

interface Connection {
  pool: Pool;
  settings: PostgresConnection;
}

// SQLSTATE classes worth another attempt: connection exceptions, serialization failures and
// deadlocks, insufficient resources, and a server shutting down or starting.
const RETRYABLE_SQLSTATE = /^(08|40|53|57P0[1-3])/;
const QUERY_CANCELED = '57014';

/**
 * The error to throw for what pg threw: a server error is final unless its SQLSTATE says trying
 * again can help; a client-side failure (refused, reset, a connect timeout) is retryable as it is.
 */
function failureOf(error: unknown, timeoutMs: number): unknown {
  const sqlstate = (error as { code?: unknown }).code;
  if (typeof sqlstate !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlstate) || RETRYABLE_SQLSTATE.test(sqlstate)) return error;
  const message = (error as Error).message;
  // The timeout cancels the statement as 57014; a query past its budget would be again.
  if (sqlstate === QUERY_CANCELED) return new NonRetryableError(`statement timed out after ${timeoutMs} ms: ${message}`, { code: 'STATEMENT_TIMEOUT', cause: error });
  return new NonRetryableError(`SQLSTATE ${sqlstate}: ${message}`, { code: 'SQL_ERROR', cause: error });
}

/** Runs one statement, keeping at most `maxRows` rows in memory (the rest are read and dropped). */
function collect(client: PoolClient, sql: string, params: unknown[], maxRows: number): Promise<{ rows: unknown[]; rowCount: number; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const rows: unknown[] = [];
    let truncated = false;
    // The extended protocol always, even without params: one statement per step, so no
    // `COMMIT; …` can end the read-only transaction early.
    const query = new Query({ text: sql, values: params, queryMode: 'extended' } as QueryConfig);
    query.on('row', (row: unknown) => {
      if (rows.length < maxRows) rows.push(row);
      else truncated = true;
    });
    query.on('error', reject);
    query.on('end', (result: QueryResult) => resolve({ rows, rowCount: result.rowCount ?? rows.length, truncated }));
    void client.query(query);
  });
}

const jsonValue: z.ZodType<unknown> = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.lazy(() => jsonValue)), z.record(z.string(), z.lazy(() => jsonValue))]);

/**
 * Runs one parameterised SQL statement on a named connection of `BATON_CONNECTIONS`, in a
 * transaction of its own (read-only when the connection or the step says so) with the
 * connection's statement timeout. Returns at most `maxRows` rows; `truncated` says when there were
 * more (a write still affected them all).
 */
export const postgresAgent = defineAgent({
  name: 'postgres',
  description: 'Runs one parameterised SQL statement ($1..$n bound from `params`) on a named connection of BATON_CONNECTIONS: { rows, rowCount, truncated }.',
  input: z
    .object({
      connection: z.string().min(1),
      sql: z.string().min(1).max(100_000),
      params: z.array(jsonValue).max(10_000).default([]),
      /** Read-only for this step even on a writable connection; a read-only connection stays so. */
      readOnly: z.boolean().default(false),
      maxRows: z.number().int().min(1).max(MAX_ROWS).optional(),
    })
    .strict(),
  config: z.object({ connections: postgresConnectionsSchema.default({}) }).strict(),
  setup: (config) => {
    // pg connects lazily: a database down at start-up fails its steps (retryably), not the worker.
    const connections = new Map<string, Connection>();
    for (const [name, settings] of Object.entries(config.connections)) {
      const pool = new Pool({ connectionString: settings.url, max: settings.poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
      // An idle client's error (the server restarted) must not crash the worker; the next checkout reconnects.
      pool.on('error', () => {});
      connections.set(name, { pool, settings });
    }
    return connections;
  },
  close: async (connections) => {
    await Promise.all([...connections.values()].map((c) => c.pool.end()));
  },
  run: async (input, ctx) => {
    const connection = ctx.deps.get(input.connection);
    if (!connection) {
      const known = [...ctx.deps.keys()].join(', ') || 'none';
      throw new NonRetryableError(`unknown connection "${input.connection}" (BATON_CONNECTIONS has: ${known})`, { code: 'UNKNOWN_CONNECTION' });
    }
    const { settings } = connection;
    const readOnly = settings.readOnly || input.readOnly;
    const maxRows = Math.min(input.maxRows ?? settings.maxRows, settings.maxRows);
    const client = await connection.pool.connect().catch((error: unknown) => {
      throw failureOf(error, settings.statementTimeoutMs);
    });
    let broken: Error | undefined;
    try {
      await client.query(readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      await client.query("SELECT set_config('statement_timeout', $1, true)", [String(settings.statementTimeoutMs)]);
      const result = await collect(client, input.sql, input.params, maxRows);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw failureOf(error, settings.statementTimeoutMs);
    } finally {
      // What a step left in its session (SET search_path, a temp table shadowing a real one, a
      // role) must not reach the next step, of another run perhaps, on the same pooled client.
      if (!broken) await client.query('DISCARD ALL').catch((discard: Error) => (broken = discard));
      // A client whose rollback or reset failed is dropped, not returned to the pool.
      client.release(broken);
    }
  },
});
