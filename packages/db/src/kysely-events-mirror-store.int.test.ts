import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDb, type Db } from './create-db';
import { KyselyEventsMirrorStore } from './kysely-events-mirror-store';
import { deleteFinishedRuns } from './run-retention';
import { SessionLock } from './session-lock';
import { createTestDatabase, type TestDatabase } from './test-database';

let database: TestDatabase;
let db: Db;
let store: KyselyEventsMirrorStore;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_mirror' });
  db = createDb({ url: database.url, poolSize: 2 });
  store = new KyselyEventsMirrorStore(db.kysely);
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

/** A run of `events` events, as a commit leaves it: the events and the run's last number. */
async function runWith(events: number, template: string | null = null): Promise<string> {
  const id = randomUUID();
  await sql`
    INSERT INTO runs (id, tenant, status, workflow_name, template, definition, definition_hash, input, event_seq, created_at)
    VALUES (${id}, 't1', 'running', 'w', ${template}, '{}', 'h', '{}', ${events}, now())`.execute(db.kysely);
  await appendEvents(id, 1, events);
  return id;
}

async function appendEvents(id: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) {
    await sql`INSERT INTO run_events (run_id, seq, type, key, data, at) VALUES (${id}, ${seq}, ${`step.e${seq}`}, 'a', ${JSON.stringify({ attempt: 1 })}::jsonb, now())`.execute(db.kysely);
  }
  await sql`UPDATE runs SET event_seq = ${to} WHERE id = ${id}`.execute(db.kysely);
}

it('enabled the first time, counts the runs existing then as mirrored; later calls change nothing', async () => {
  const before = await runWith(3);
  expect(await store.enable(new Date())).toBe(true);
  const after = await runWith(2, 'orders');
  expect(await store.enable(new Date())).toBe(false);
  expect(await store.behind(100)).toEqual([after]);
  await appendEvents(before, 4, 4);
  expect((await store.behind(100)).sort()).toEqual([before, after].sort());
  expect(await store.pending([before, after], 100)).toEqual(expect.arrayContaining([
    { runId: before, tenant: 't1', template: null, seq: 4, type: 'step.e4', key: 'a', data: { attempt: 1 }, at: expect.any(Date) },
    { runId: after, tenant: 't1', template: 'orders', seq: 1, type: 'step.e1', key: 'a', data: { attempt: 1 }, at: expect.any(Date) },
  ]));
});

it('reads events after each cursor in run and event order, within a limit, and moves cursors only forward', async () => {
  const a = await runWith(3);
  const b = await runWith(2);
  const all = [[a, 1], [a, 2], [a, 3], [b, 1], [b, 2]] as const;
  const inOrder = [...all].sort(([r1, s1], [r2, s2]) => (r1 === r2 ? s1 - s2 : r1 < r2 ? -1 : 1));
  expect((await store.pending([a, b], 4)).map((e) => [e.runId, e.seq])).toEqual(inOrder.slice(0, 4));
  await store.advance([{ runId: a, seq: 3 }, { runId: b, seq: 1 }]);
  await store.advance([{ runId: a, seq: 1 }]); // a late, older cursor
  expect((await store.pending([a, b], 100)).map((e) => [e.runId, e.seq])).toEqual([[b, 2]]);
  await store.advance([{ runId: b, seq: 2 }]);
  expect(await store.behind(1000)).not.toEqual(expect.arrayContaining([a]));
  expect(await store.behind(1000)).not.toEqual(expect.arrayContaining([b]));
});

describe('SessionLock', () => {
  const KEY = 424_242;

  it('is held by one session at a time, and free again once released', async () => {
    const first = await SessionLock.tryAcquire(database.url, KEY, () => undefined);
    expect(first).toBeDefined();
    expect(await SessionLock.tryAcquire(database.url, KEY, () => undefined)).toBeUndefined();
    await first!.release();
    const second = await SessionLock.tryAcquire(database.url, KEY, () => undefined);
    expect(second).toBeDefined();
    await second!.release();
  });

  it('tells its holder when its session dies, and another may take it', async () => {
    let lost: Error | undefined;
    const held = await SessionLock.tryAcquire(database.url, KEY, (error) => (lost = error));
    await sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = ${KEY} AND granted`.execute(db.kysely);
    const deadline = Date.now() + 10_000;
    while (!lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lost).toBeInstanceOf(Error);
    const next = await SessionLock.tryAcquire(database.url, KEY, () => undefined);
    expect(next).toBeDefined();
    await next!.release();
    await held!.release();
  });
});

it('a run deleted by the retention sweep takes its cursor with it', async () => {
  const id = await runWith(1);
  await store.advance([{ runId: id, seq: 1 }]);
  await sql`UPDATE runs SET status = 'succeeded', finished_at = now() - interval '1 day' WHERE id = ${id}`.execute(db.kysely);
  expect(await deleteFinishedRuns(db.kysely, new Date(), 1000)).toBeGreaterThanOrEqual(1);
  expect(await db.kysely.selectFrom('events_mirror').select('seq').where('run_id', '=', id).execute()).toEqual([]);
});
