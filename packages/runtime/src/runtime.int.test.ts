import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { KyselyRunStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { BullmqStepQueue, createRedis, queueName, stepJobId, type StepJob } from '@baton/queue';
import { validate, type WorkflowDefinition } from '@baton/workflow';
import type { Redis } from 'ioredis';
import { createBullmqDispatcher } from './bullmq-dispatcher';
import { Reconciler } from './reconciler';
import { Runtime } from './runtime';

jest.setTimeout(60_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let database: TestDatabase;
let redis: Redis;
let prefix: string;
const opened: Array<{ db: Db; queue: BullmqStepQueue }> = [];

/** One runtime, as one process (api or worker) has it. */
function runtime(url = database.url): Runtime {
  const db = createDb({ url, poolSize: 4 });
  const queue = new BullmqStepQueue({ connection: redis, prefix });
  opened.push({ db, queue });
  return new Runtime({ store: new KyselyRunStore(db.kysely), dispatcher: createBullmqDispatcher(queue, redis, prefix), logger: silent });
}

function chain(name: string, length: number): WorkflowDefinition {
  const steps = Array.from({ length }, (_, i) => ({ id: `s${i}`, agent: 'echo', ...(i > 0 ? { needs: [`s${i - 1}`] } : {}), input: { i } }));
  const result = validate({ name, steps });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.workflow;
}

async function jobs(): Promise<StepJob[]> {
  const q = new Queue<StepJob>(queueName('echo'), { connection: redis, prefix });
  const all = await q.getJobs(['waiting', 'prioritized', 'delayed']);
  await q.close();
  return all.map((j) => j.data);
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
});
beforeEach(() => {
  prefix = `rt${randomUUID().slice(0, 8)}`;
});
afterAll(async () => {
  for (const { db, queue } of opened) {
    await queue.close();
    await db.destroy();
  }
  const keys = await redis.keys('rt*');
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await database.drop();
});

test('two runtimes applying results of the same runs at once lose nothing and deadlock never', async () => {
  const [a, b] = [runtime(), runtime()];
  const workflow = chain('race', 4);
  const ids = await Promise.all(Array.from({ length: 40 }, () => a.submit({ tenant: 't', workflow, input: {} }).then((r) => r.id)));
  // Drive every run to completion, each event applied by a runtime picked at random, all concurrently.
  for (let step = 0; step < 4; step++) {
    await Promise.all(
      ids.flatMap((id) => {
        const key = `s${step}`;
        const pick = () => (Math.random() < 0.5 ? a : b);
        return [pick().apply(id, { type: 'step.started', key, attempt: 1 }), pick().apply(id, { type: 'step.succeeded', key, attempt: 1, output: { step } })];
      }),
    );
  }
  const db = opened[0]!.db.kysely;
  const runs = await db.selectFrom('runs').select(['status', 'output']).where('id', 'in', ids).execute();
  expect(runs.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
  expect(runs.every((r) => JSON.stringify(r.output) === JSON.stringify({ s3: { step: 3 } }))).toBe(true);
  // Each run's events are numbered 1..n without a gap or a twin.
  const events = await db.selectFrom('run_events').select(['run_id', 'seq']).where('run_id', 'in', ids).orderBy('run_id').orderBy('seq').execute();
  for (const id of ids) {
    const seqs = events.filter((e) => e.run_id === id).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }
  // Every step was enqueued exactly once, under its deterministic job id.
  const enqueued = await jobs();
  expect(enqueued).toHaveLength(40 * 4);
});

test('a duplicate result, a stale attempt and an unknown run change nothing', async () => {
  const rt = runtime();
  const workflow = validate({ name: 'fenced', steps: [{ id: 'a', agent: 'echo', retry: { attempts: 3 } }, { id: 'b', agent: 'echo', needs: ['a'] }] });
  if (!workflow.ok) throw new Error('invalid');
  const { id } = await rt.submit({ tenant: 't', workflow: workflow.workflow, input: {} });
  await rt.apply(id, { type: 'step.failed', key: 'a', attempt: 1, error: { code: 'AGENT_ERROR', message: 'x' }, retryable: true });
  const db = opened.at(-1)!.db.kysely;
  const before = await db.selectFrom('steps').selectAll().where('run_id', '=', id).orderBy('key').execute();
  const eventsBefore = await db.selectFrom('run_events').select('seq').where('run_id', '=', id).execute();
  // attempt 1 is no longer current: its late success is fenced out
  await rt.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: 'late' });
  await rt.apply(id, { type: 'step.failed', key: 'a', attempt: 1, error: { code: 'AGENT_ERROR', message: 'x' }, retryable: true });
  await rt.apply(randomUUID(), { type: 'step.succeeded', key: 'a', attempt: 1, output: 'nobody' });
  expect(await db.selectFrom('steps').selectAll().where('run_id', '=', id).orderBy('key').execute()).toEqual(before);
  expect(await db.selectFrom('run_events').select('seq').where('run_id', '=', id).execute()).toHaveLength(eventsBefore.length);
  expect(before.find((s) => s.key === 'a')).toMatchObject({ status: 'queued', attempt: 2 });
  // the current attempt counts, once
  await rt.apply(id, { type: 'step.succeeded', key: 'a', attempt: 2, output: 'ok' });
  await rt.apply(id, { type: 'step.succeeded', key: 'a', attempt: 2, output: 'twice' });
  const a = await db.selectFrom('steps').select(['status', 'output']).where('run_id', '=', id).where('key', '=', 'a').executeTakeFirstOrThrow();
  expect(a).toEqual({ status: 'succeeded', output: 'ok' });
});

test('duplicate submissions in one batch make one run; another body is a conflict', async () => {
  const rt = runtime();
  const workflow = chain('idem', 1);
  const idempotency = { key: `k-${randomUUID()}`, bodyHash: 'h1' };
  // Pushed in one tick, so they share one admission batch.
  const results = await Promise.allSettled([
    ...Array.from({ length: 8 }, () => rt.submit({ tenant: 't', workflow, input: {}, idempotency })),
    rt.submit({ tenant: 't', workflow, input: {}, idempotency: { ...idempotency, bodyHash: 'h2' } }),
  ]);
  const ok = results.slice(0, 8).map((r) => (r as PromiseFulfilledResult<{ id: string; created: boolean }>).value);
  expect(new Set(ok.map((r) => r.id)).size).toBe(1);
  expect(ok.filter((r) => r.created)).toHaveLength(1);
  expect(results[8]).toMatchObject({ status: 'rejected', reason: { code: 'IDEMPOTENCY_CONFLICT' } });
  const db = opened.at(-1)!.db.kysely;
  const run = await db.selectFrom('runs').select(['id', 'status']).where('id', '=', ok[0]!.id).execute();
  expect(run).toHaveLength(1);
  const steps = await db.selectFrom('steps').select('key').where('run_id', '=', ok[0]!.id).execute();
  expect(steps).toHaveLength(1);
});

describe('one bad member of a batch fails alone', () => {
  test('a submission holding a lone surrogate is its own 400; the others of its admission batch are admitted', async () => {
    const rt = runtime();
    const workflow = chain('mixed', 2);
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, n) => rt.submit({ tenant: 't', workflow, input: { n } })),
      rt.submit({ tenant: 't', workflow, input: { s: '\ud800' } }),
      ...Array.from({ length: 20 }, (_, n) => rt.submit({ tenant: 't', workflow, input: { n } })),
    ]);
    expect(results.map((r) => r.status)).toEqual([...Array(20).fill('fulfilled'), 'rejected', ...Array(20).fill('fulfilled')]);
    expect((results[20] as PromiseRejectedResult).reason).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'input.s', message: expect.stringMatching(/surrogate/) }],
    });
    const ids = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
    const db = opened.at(-1)!.db.kysely;
    expect(await db.selectFrom('runs').select('id').where('id', 'in', ids).execute()).toHaveLength(40);
  });

  test('a result that cannot be stored fails alone; the results sharing its transaction commit', async () => {
    const rt = runtime();
    const workflow = chain('results', 1);
    const ids = await Promise.all(Array.from({ length: 30 }, () => rt.submit({ tenant: 't', workflow, input: {} }).then((r) => r.id)));
    // Applied in one tick: one group-commit batch, which fails as a whole on the bad output.
    const results = await Promise.allSettled(
      ids.map((id, n) => rt.apply(id, { type: 'step.succeeded', key: 's0', attempt: 1, output: n === 7 ? { s: '\udfff' } : { n } })),
    );
    expect(results.map((r) => r.status)).toEqual(ids.map((_, n) => (n === 7 ? 'rejected' : 'fulfilled')));
    expect((results[7] as PromiseRejectedResult).reason).toMatchObject({ code: 'VALUE_NOT_STORABLE' });
    const db = opened.at(-1)!.db.kysely;
    const runs = await db.selectFrom('runs').select(['id', 'status', 'output']).where('id', 'in', ids).execute();
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(ids.map((id) => byId.get(id)!.status)).toEqual(ids.map((_, n) => (n === 7 ? 'queued' : 'succeeded')));
    expect(byId.get(ids[3]!)!.output).toEqual({ s0: { n: 3 } });
  });
});

describe('the reconciler', () => {
  // A database of its own: the runs of the other tests have live steps too.
  let own: TestDatabase;
  let first: number;
  beforeAll(async () => {
    own = await createTestDatabase();
    first = opened.length;
  });
  afterAll(async () => {
    for (const { db, queue } of opened.splice(first)) {
      await queue.close();
      await db.destroy();
    }
    await own.drop();
  });

  /** Postgres and BullMQ as a worker would have them, and a way to lose a step's job as a dead worker does. */
  function reconciling(maxRequeues: number) {
    const rt = runtime(own.url);
    const { queue } = opened.at(-1)!;
    const presence = createBullmqDispatcher(queue, redis, prefix);
    const reconciler = new Reconciler({ runtime: rt, presence, logger: silent, settleMs: 0, maxRequeues });
    const lose = async (runId: string, key: string, attempt: number) => {
      expect(await queue.removeJob('echo', stepJobId(runId, key, attempt))).toBe(true);
    };
    return { rt, reconciler, lose, db: opened.at(-1)!.db.kysely };
  }

  test('re-enqueues a lost job BATON_MAX_REQUEUES times, then fails the step with WORKER_LOST', async () => {
    const { rt, reconciler, lose, db } = reconciling(2);
    const { id } = await rt.submit({ tenant: 't', workflow: chain('lost', 2), input: {} });
    const step = () => db.selectFrom('steps').select(['status', 'attempt', 'requeues', 'error']).where('run_id', '=', id).where('key', '=', 's0').executeTakeFirstOrThrow();
    for (let n = 1; n <= 2; n++) {
      await lose(id, 's0', 1);
      expect(await reconciler.tick()).toMatchObject({ requeued: 1, lost: 0 });
      expect(await step()).toMatchObject({ status: 'queued', attempt: 1, requeues: n });
      expect((await jobs()).filter((j) => j.runId === id).map((j) => j.key)).toEqual(['s0']);
    }
    await lose(id, 's0', 1);
    expect(await reconciler.tick()).toMatchObject({ requeued: 0, lost: 1 });
    expect(await step()).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_LOST', message: expect.stringMatching(/^worker lost: step s0 \(attempt 1\) lost its job 3 times .*BATON_MAX_REQUEUES=2$/) },
    });
    const run = await db.selectFrom('runs').select(['status', 'error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST', step: 's0' } });
    // nothing is left to re-run
    expect(await reconciler.tick()).toMatchObject({ requeued: 0, lost: 0 });
  });

  test('a new attempt starts with no requeues', async () => {
    const { rt, reconciler, lose, db } = reconciling(1);
    const valid = validate({ name: 'retried', steps: [{ id: 's0', agent: 'echo', retry: { attempts: 2 } }] });
    if (!valid.ok) throw new Error('invalid');
    const { id } = await rt.submit({ tenant: 't', workflow: valid.workflow, input: {} });
    await lose(id, 's0', 1);
    await reconciler.tick();
    const step = () => db.selectFrom('steps').select(['attempt', 'requeues']).where('run_id', '=', id).where('key', '=', 's0').executeTakeFirstOrThrow();
    expect(await step()).toEqual({ attempt: 1, requeues: 1 });
    await rt.apply(id, { type: 'step.failed', key: 's0', attempt: 1, retryable: true, error: { code: 'AGENT_ERROR', message: 'x' } });
    expect(await step()).toEqual({ attempt: 2, requeues: 0 });
  });
});

test('steps named like Object.prototype members are stored, reloaded and run like any other', async () => {
  // Validation refuses these ids; the runtime must not depend on it.
  const workflow = {
    name: 'proto-steps',
    steps: [
      { id: '__proto__', agent: 'echo', needs: [], onFailure: 'fail' as const, input: { n: 1 } },
      { id: 'constructor', agent: 'echo', needs: ['__proto__'], onFailure: 'fail' as const },
    ],
  };
  const { id } = await runtime().submit({ tenant: 't', workflow, input: {} });
  const db = opened.at(-1)!.db.kysely;
  const keys = async () => (await db.selectFrom('steps').select(['key', 'status']).where('run_id', '=', id).orderBy('key').execute()).map((s) => `${s.key}:${s.status}`);
  expect(await keys()).toEqual(['__proto__:queued', 'constructor:pending']);
  // Another runtime: states come from the rows, not from a cache.
  await runtime().apply(id, { type: 'step.succeeded', key: '__proto__', attempt: 1, output: 1 });
  expect(await keys()).toEqual(['__proto__:succeeded', 'constructor:queued']);
  await runtime().apply(id, { type: 'step.succeeded', key: 'constructor', attempt: 1, output: 2 });
  const run = await db.selectFrom('runs').select(['status', 'output']).where('id', '=', id).executeTakeFirstOrThrow();
  expect(run).toEqual({ status: 'succeeded', output: { constructor: 2 } });
});

test('a large input of a submission retried after its batch failed is stored again, not left dangling', async () => {
  const rt = runtime();
  const valid = validate({ name: 'big-input', steps: [{ id: 'a', agent: 'echo', input: { big: '{{ $input.big }}' } }] });
  if (!valid.ok) throw new Error('invalid');
  const big = 'x'.repeat(100_000);
  const [ok, bad] = await Promise.allSettled([
    rt.submit({ tenant: 't', workflow: valid.workflow, input: { big } }),
    rt.submit({ tenant: 't', workflow: valid.workflow, input: { big: 'y', s: '\ud800' } }),
  ]);
  expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'VALIDATION_FAILED' } });
  const { id } = (ok as PromiseFulfilledResult<{ id: string }>).value;
  const db = opened.at(-1)!.db.kysely;
  const step = await db.selectFrom('steps').select('input').where('run_id', '=', id).executeTakeFirstOrThrow();
  expect(await rt.hydrate(step.input)).toEqual({ big });
  expect((await jobs()).find((j) => j.runId === id)?.input).toEqual(step.input);
});
