import { KyselyRunLinks, KyselyRunStore, KyselyTemplateStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { validate } from '@baton/workflow';
import { storedChildWorkflows, type ChildWorkflows } from './child-workflows';
import type { RunLinks } from './child-runs';
import { RecordingDispatcher, recordingLogger } from './runtime-fixture.test-helper';
import { Runtime } from './runtime';

jest.setTimeout(30_000);

// A process that dies between a commit and the child-run work after it: what it would have done is
// lost (here: the first call fails), and the reconciler's sweep over Postgres must do it instead.
let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 4 });
  await new KyselyTemplateStore(db.kysely).put({
    tenant: 't', name: 'leaf', definition: { name: 'leaf', steps: [{ id: 'e', agent: 'echo', input: { x: '{{ $input.x }}' } }] },
    definitionHash: 'leaf-1', description: undefined, schedule: undefined, triggers: undefined, createdBy: undefined,
  } as never);
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

function setup(lose: { start?: boolean; result?: boolean }) {
  const links = new KyselyRunLinks(db.kysely);
  const stored = storedChildWorkflows(new KyselyTemplateStore(db.kysely));
  const workflows: ChildWorkflows = {
    resolve: (...args) => (lose.start ? Promise.reject(new Error('crashed before the child started')) : stored.resolve(...args)),
  };
  const lossy: RunLinks = {
    parents: (ids) => (lose.result ? Promise.reject(new Error('crashed before the parent heard')) : links.parents(ids)),
    children: (id, key) => links.children(id, key),
    liveChildSteps: (before, limit) => links.liveChildSteps(before, limit),
    orphans: (before, limit) => links.orphans(before, limit),
  };
  const dispatcher = new RecordingDispatcher();
  const runtime = new Runtime({ store: new KyselyRunStore(db.kysely), dispatcher, logger: recordingLogger(), subWorkflows: { workflows, links: lossy } });
  const parentOf = validate({ name: 'parent', steps: [{ id: 'sub', workflow: 'leaf', input: { x: 7 } }] });
  if (!parentOf.ok) throw new Error('invalid');
  const later = () => new Date(Date.now() + 60_000);
  const status = async (id: string) => (await db.kysely.selectFrom('runs').select(['status', 'output']).where('id', '=', id).executeTakeFirstOrThrow());
  return { runtime, dispatcher, links, parent: parentOf.workflow, later, status };
}

test('a child start lost after the parent\'s commit is made by the reconciler, once', async () => {
  const lose = { start: true };
  const { runtime, links, parent, later } = setup(lose);
  const { id } = await runtime.submit({ tenant: 't', workflow: parent, input: {} });
  await runtime.drain();
  expect(await links.children(id)).toEqual([]);
  lose.start = false;
  expect(await runtime.reconcileChildren(later(), later(), 0, 100)).toMatchObject({ started: 1 });
  await runtime.drain();
  expect(await runtime.reconcileChildren(later(), later(), 0, 100)).toMatchObject({ started: 0 });
  const children = await links.children(id);
  expect(children).toEqual([expect.objectContaining({ parentStepKey: 'sub', parentAttempt: 1, depth: 1, status: 'queued' })]);
});

test('a parent wake-up lost after the child finished is applied by the reconciler', async () => {
  const lose = { result: false };
  const { runtime, dispatcher, links, parent, later, status } = setup(lose);
  const { id } = await runtime.submit({ tenant: 't', workflow: parent, input: {} });
  await runtime.drain();
  const [child] = await links.children(id);
  lose.result = true;
  const job = dispatcher.enqueued.find((j) => j.job.runId === child!.childRunId)!.job;
  await runtime.apply(child!.childRunId, { type: 'step.succeeded', key: job.key, attempt: job.attempt, output: { x: 7 } });
  await runtime.drain();
  expect((await status(child!.childRunId)).status).toBe('succeeded');
  expect((await status(id)).status).toBe('running');
  lose.result = false;
  expect(await runtime.reconcileChildren(later(), later(), 0, 100)).toMatchObject({ resulted: 1 });
  await runtime.drain();
  expect(await status(id)).toEqual({ status: 'succeeded', output: { sub: { e: { x: 7 } } } });
});
