import { randomUUID } from 'node:crypto';
import { KyselyRunStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { BullmqStepQueue, createRedis } from '@baton/queue';
import { validate, type WorkflowDefinition } from '@baton/workflow';
import type { Redis } from 'ioredis';
import { createBullmqDispatcher } from './bullmq-dispatcher';
import { BatonError } from '@baton/core';
import { Runtime } from './runtime';

jest.setTimeout(60_000);

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let database: TestDatabase;
let db: Db;
let redis: Redis;
let queue: BullmqStepQueue;
let runtime: Runtime;
const prefix = `rl${randomUUID().slice(0, 8)}`;

function workflowOf(definition: unknown): WorkflowDefinition {
  const result = validate(definition);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.workflow;
}

const usedBytes = async (id: string) => (await db.kysely.selectFrom('runs').select('used_bytes').where('id', '=', id).executeTakeFirstOrThrow()).used_bytes;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 4 });
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
  queue = new BullmqStepQueue({ connection: redis, prefix });
  runtime = new Runtime({
    store: new KyselyRunStore(db.kysely),
    dispatcher: createBullmqDispatcher(queue, redis, prefix),
    logger: silent,
    limits: { maxRunBytes: 1000, maxForEachItems: 5 },
  });
});
afterAll(async () => {
  await queue.close();
  await db.destroy();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await database.drop();
});

test("a run's stored bytes are counted in runs.used_bytes and carried from decision to decision", async () => {
  const workflow = workflowOf({
    name: 'bytes',
    steps: [
      { id: 'a', agent: 'echo', input: { s: '{{ $pad("", 100, "x") }}' } },
      { id: 'b', agent: 'echo', needs: ['a'], input: { s: '{{ $pad("", 500, "x") }}' } },
      { id: 'c', agent: 'echo', needs: ['b'], input: { s: '{{ $pad("", 500, "x") }}' } },
    ],
  });
  const { id } = await runtime.submit({ tenant: 't', workflow, input: {} });
  expect(await usedBytes(id)).toBe(108);
  await runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: 'ok' });
  expect(await usedBytes(id)).toBe(108 + 4 + 508);
  await runtime.apply(id, { type: 'step.succeeded', key: 'b', attempt: 1, output: 'ok' });
  const c = await db.kysely.selectFrom('steps').select(['status', 'error']).where('run_id', '=', id).where('key', '=', 'c').executeTakeFirstOrThrow();
  expect(c).toEqual({
    status: 'failed',
    error: { code: 'LIMIT_EXCEEDED', message: 'step c: steps[2].input.s: $pad to 500 characters: the run would hold more than 1000 bytes (BATON_MAX_RUN_BYTES)' },
  });
  expect(await usedBytes(id)).toBe(108 + 4 + 508 + 4);
});

test.each([
  ['bytes', { id: 'a', agent: 'echo', input: { s: '{{ $pad("", 5000, "x") }}' } }, /BATON_MAX_RUN_BYTES/],
  ['forEach items', { id: 'a', agent: 'echo', forEach: '{{ [1..1000000] }}' }, /more than 5 items \(BATON_MAX_FOREACH_ITEMS\)/],
])('a submission whose first steps pass a limit (%s) is refused, and nothing is stored', async (_name, step, message) => {
  const workflow = workflowOf({ name: 'over', steps: [{ id: 'ok', agent: 'echo' }, step] });
  const before = await db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const refused = runtime.submit({ tenant: 't', workflow, input: {} });
  await expect(refused).rejects.toBeInstanceOf(BatonError);
  await expect(refused).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'workflow.steps[1]', message: expect.stringMatching(message) }] });
  const after = await db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  expect(after.n).toEqual(before.n);
});

test('a run output past the limit at submission is refused at workflow.output', async () => {
  const workflow = workflowOf({ name: 'out', steps: [{ id: 'a', agent: 'echo', when: '{{ false }}' }], output: '{{ $pad("", 5000, "x") }}' });
  await expect(runtime.submit({ tenant: 't', workflow, input: {} })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'workflow.output' }] });
});
