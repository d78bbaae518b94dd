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
