import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import type { Database } from './schema';

// bigint columns (runs.version) fit in a JS number for any realistic run.
types.setTypeParser(20, (v) => Number(v));

export interface DbOptions {
  url: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** Called for errors on idle clients (a restarted Postgres); the pool replaces them by itself. */
  onError?: (err: Error) => void;
}

export interface Db {
  kysely: Kysely<Database>;
  pool: Pool;
  destroy(): Promise<void>;
}

export function createDb(options: DbOptions): Db {
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => options.onError?.(err));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, pool, destroy: () => kysely.destroy() };
}
