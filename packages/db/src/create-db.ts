import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types, type Client as PgClient } from 'pg';
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
  /**
   * Called once for each error a connection reports outside a query (a Postgres stopped or
   * crashed), whether it sat idle in the pool or was checked out. Never rethrown: the work that
   * used the connection fails with its own error, and the pool replaces it by itself.
   */
  onError?: (err: Error) => void;
  /**
   * Postgres ends a session left idle inside a transaction this long (`idle_in_transaction_session_timeout`),
   * releasing its row locks: a process stopped or starved mid-transaction (SIGSTOP, a debugger) would
   * otherwise block every other writer of those rows, the repair of its own lost steps included,
   * for as long as it stalls. Its commit then fails, as after a crash. @defaultValue none
   */
  idleInTransactionTimeoutMs?: number;
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
    ...(options.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
  });
  // pg emits 'error' on a client whose connection breaks between queries, and pg-pool listens only
  // while the client is idle: a checked-out client (kysely's connections and transactions) without
  // a listener of its own kills the process. This one stays for the client's life, idle or not.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.onError?.(err));
  });
  // An idle client's error reaches the pool too: it is reported above already, and the pool drops the client.
  pool.on('error', () => undefined);
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
  const probe = quiet(new Client({ connectionString: url, connectionTimeoutMillis: 5_000 }));
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
  const admin = quiet(new Client({ connectionString: server.toString(), connectionTimeoutMillis: 5_000 }));
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created meanwhile by another process
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * A dedicated client whose connection breaks between its calls would emit an unhandled 'error'
 * (and kill the process); its calls reject by themselves, so the event adds nothing.
 */
function quiet(client: PgClient): PgClient {
  client.on('error', () => undefined);
  return client;
}
