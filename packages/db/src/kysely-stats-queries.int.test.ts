import { randomUUID } from 'node:crypto';
import { createDb, type Db } from './create-db';
import { KyselyStatsQueries } from './kysely-stats-queries';
import { createTestDatabase, type TestDatabase } from './test-database';

let database: TestDatabase;
let db: Db;
const now = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

/** A run of `tenant` finished `finishedAgoMs` ago (null: still running) with one step per entry of `steps`. */
async function run(tenant: string, opts: { template?: string; workflow?: string; status?: string; finishedAgoMs: number | null; steps: Array<{ agent: string; status: string; waitMs: number; durationMs: number; finishedAgoMs: number }> }) {
  const id = randomUUID();
  const finished = opts.finishedAgoMs === null ? null : ago(opts.finishedAgoMs);
  const created = ago(3_600_000 * 2);
  await db.kysely.insertInto('runs').values({
    id, tenant, status: opts.status ?? (finished ? 'succeeded' : 'running'), workflow_name: opts.workflow ?? 'wf', template: opts.template ?? null, template_version: opts.template ? 1 : null,
    definition: '{}', definition_hash: 'h', input: '{}', output: null, error: null, context: '{}', priority: 5, submitted_by: null,
    created_at: created, started_at: new Date(created.getTime() + 100), finished_at: finished,
  }).execute();
  for (const [i, s] of opts.steps.entries()) {
    const fin = ago(s.finishedAgoMs);
    const started = new Date(fin.getTime() - s.durationMs);
    await db.kysely.insertInto('steps').values({
      run_id: id, key: `s${i}`, step_id: `s${i}`, agent: s.agent, status: s.status, attempt: 1, parent_key: null, idx: null, hop: null,
      input: null, output: null, error: null, reason: null, items: null, handoff: null,
      queued_at: new Date(started.getTime() - s.waitMs), started_at: started, finished_at: fin, deadline_at: null, next_child: null, children_succeeded: null, prior_attempts: null,
    }).execute();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  const step = (agent: string, status: string, durationMs: number, finishedAgoMs = 60_000) => ({ agent, status, waitMs: durationMs / 10, durationMs, finishedAgoMs });
  // In the last hour: echo 4 attempts (3 succeeded), fail 1; one run still running with a finished step.
  await run('t', { template: 'nightly', finishedAgoMs: 30_000, steps: [step('echo', 'succeeded', 100), step('echo', 'succeeded', 200)] });
  await run('t', { workflow: 'inline', status: 'failed', finishedAgoMs: 40_000, steps: [step('echo', 'failed', 300), step('fail', 'failed', 10)] });
  await run('t', { workflow: 'inline', finishedAgoMs: null, steps: [step('echo', 'succeeded', 400)] });
  // Outside the window (2 hours ago), and another tenant's: neither counts.
  await run('t', { template: 'nightly', finishedAgoMs: 7_200_000, steps: [step('echo', 'succeeded', 5000, 7_200_000)] });
  await run('u', { template: 'nightly', finishedAgoMs: 30_000, steps: [step('echo', 'failed', 9000)] });
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

describe('KyselyStatsQueries', () => {
  it('per agent: step attempts finished in the window, with success counts and percentiles, within the tenant', async () => {
    const stats = new KyselyStatsQueries(db.kysely);
    const rows = await stats.agents('t', ago(3_600_000), now);
    expect(rows.map(({ name, count, succeeded }) => ({ name, count, succeeded }))).toEqual([
      { name: 'echo', count: 4, succeeded: 3 },
      { name: 'fail', count: 1, succeeded: 0 },
    ]);
    const echo = rows[0]!;
    expect(echo.duration.p50).toBeCloseTo(250, 0); // 100, 200, 300, 400
    expect(echo.duration.p99).toBeCloseTo(397, 0);
    expect(echo.queueWait.p50).toBeCloseTo(25, 0);
    expect(await stats.agents('nobody', ago(3_600_000), now)).toEqual([]);
  });

  it('per template or inline workflow: runs finished in the window', async () => {
    const rows = await new KyselyStatsQueries(db.kysely).templates('t', ago(3_600_000), now);
    expect(rows.map(({ name, kind, count, succeeded }) => ({ name, kind, count, succeeded }))).toEqual([
      { name: 'inline', kind: 'workflow', count: 1, succeeded: 0 },
      { name: 'nightly', kind: 'template', count: 1, succeeded: 1 },
    ]);
    expect(rows[1]!.duration.p50).toBeGreaterThan(0);
  });

  it('a wider window takes in the older run', async () => {
    const rows = await new KyselyStatsQueries(db.kysely).agents('t', ago(3 * 3_600_000), now);
    expect(rows.find((r) => r.name === 'echo')?.count).toBe(5);
  });
});
