import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import type { Database } from './schema';

// bigint columns (runs.version) fit in a JS number for any realistic run.
types.setTypeParser(20, (v) => Number(v));

export interface DbOptions {
  url: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /**
   * `false` makes every transaction of this pool commit without waiting for the WAL flush: a
   * Postgres crash may lose the last few milliseconds of commits, never corrupt anything. Only for
   * work that is repeated when lost (step transitions: the reconciler re-runs the step).
   * @defaultValue true
   */
  synchronousCommit?: boolean;
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
    ...(options.synchronousCommit === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  pool.on('error', (err) => options.onError?.(err));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, pool, destroy: () => kysely.destroy() };
}

/**
 * Creates the database `url` names when it does not exist yet (connecting to `postgres` on the
 * same server), so a first start needs no manual step. Does nothing when it exists.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name || name === 'postgres') return;
  const { Client } = await import('pg');
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // anything but "database does not exist"
  } finally {
    await probe.end().catch(() => undefined);
  }
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = new Client({ connectionString: server.toString(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another process
  } finally {
    await admin.end();
  }
}
