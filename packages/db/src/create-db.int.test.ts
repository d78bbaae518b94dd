import { sql } from 'kysely';
import { Client } from 'pg';
import { createDb, type Db } from './create-db';
import { createTestDatabase, serverUrl, type TestDatabase } from './test-database';

/**
 * A connection that Postgres ends while it is checked out (a fast stop, a crash, a failover) must
 * fail only the work that used it: without an 'error' listener of its own, pg's client would emit
 * an unhandled 'error' event and kill the process.
 */

let database: TestDatabase;
let admin: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await database.drop();
});

const backendPid = async (conn: Db['kysely']) => (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(conn)).rows[0]!.pid;

/** What Postgres does to every session on `pg_ctl stop -m fast`: 57P01, "terminating connection due to administrator command". */
const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not met within 2 s');
}

test('a checked-out connection ended by Postgres between queries: reported, its next query fails, the pool carries on', async () => {
  const errors: Error[] = [];
  const db = createDb({ url: database.url, poolSize: 1, onError: (err) => errors.push(err) });
  try {
    await db.kysely.connection().execute(async (conn) => {
      await terminate(await backendPid(conn));
      await until(() => errors.length > 0);
      await expect(sql`SELECT 1`.execute(conn)).rejects.toThrow();
    });
    expect(errors.map((e) => e.message).join()).toMatch(/administrator command|Connection terminated/);
    // The broken client is not handed out again: the only slot gets a new connection.
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows).toEqual([{ one: 1 }]);
  } finally {
    await db.destroy();
  }
});

test('a transaction whose connection is ended: the transaction rejects, the process and the pool survive', async () => {
  const errors: Error[] = [];
  const db = createDb({ url: database.url, poolSize: 1, onError: (err) => errors.push(err) });
  try {
    const tx = db.kysely.transaction().execute(async (trx) => {
      await terminate(await backendPid(trx));
      await until(() => errors.length > 0);
      await sql`SELECT 1`.execute(trx);
    });
    await expect(tx).rejects.toThrow();
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db.kysely)).rows).toEqual([{ one: 1 }]);
  } finally {
    await db.destroy();
  }
});

test('an idle connection ended by Postgres is reported once and replaced', async () => {
  const errors: Error[] = [];
  const db = createDb({ url: database.url, poolSize: 1, onError: (err) => errors.push(err) });
  try {
    const pid = await db.kysely.connection().execute(backendPid);
    await terminate(pid);
    await until(() => errors.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toHaveLength(1);
    expect(await db.kysely.connection().execute(backendPid)).not.toBe(pid);
  } finally {
    await db.destroy();
  }
});

test('a transaction left idle past idleInTransactionTimeoutMs is ended by Postgres: its row locks go to the next writer', async () => {
  const errors: Error[] = [];
  const stalled = createDb({ url: database.url, poolSize: 1, idleInTransactionTimeoutMs: 300, onError: (err) => errors.push(err) });
  const other = createDb({ url: database.url, poolSize: 1 });
  await sql`CREATE TABLE IF NOT EXISTS idle_tx (id int PRIMARY KEY, n int NOT NULL)`.execute(other.kysely);
  await sql`INSERT INTO idle_tx VALUES (1, 0) ON CONFLICT DO NOTHING`.execute(other.kysely);
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  try {
    // A process that takes a row lock and then stops talking (as one SIGSTOPped mid-transaction does).
    const tx = stalled.kysely.transaction().execute(async (trx) => {
      await sql`SELECT n FROM idle_tx WHERE id = 1 FOR UPDATE`.execute(trx);
      locked();
      await new Promise((r) => setTimeout(r, 3000));
      await sql`UPDATE idle_tx SET n = n + 100 WHERE id = 1`.execute(trx);
    });
    await lockTaken;
    const started = Date.now();
    await sql`UPDATE idle_tx SET n = n + 1 WHERE id = 1`.execute(other.kysely);
    // Not blocked for the stalled transaction's 3 s: Postgres ended it after 0.3 s idle.
    expect(Date.now() - started).toBeLessThan(2500);
    await expect(tx).rejects.toThrow();
    expect(errors.map((e) => e.message).join()).toMatch(/idle-in-transaction timeout|Connection terminated/);
    expect((await sql<{ n: number }>`SELECT n FROM idle_tx WHERE id = 1`.execute(other.kysely)).rows).toEqual([{ n: 1 }]);
  } finally {
    await stalled.destroy();
    await other.destroy();
  }
});
