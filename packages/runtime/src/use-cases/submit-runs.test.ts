import { BatonError } from '@baton/core';
import type { SubmitResult } from '../admission';
import { checkWorkflow } from './check-workflow';
import { submitRun } from './submit-run';
import { MAX_BATCH_RUNS, submitRuns } from './submit-runs';
import type { ResolvedTemplate } from './template-catalog';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

const created = (r: SubmitResult | BatonError): SubmitResult => {
  if (r instanceof BatonError) throw r;
  return r;
};

test("a thousand runs are admitted in one batch: one announcement, each run's first step enqueued", async () => {
  const { deps, dispatcher, read } = useCaseFixture();
  const results = await submitRuns(deps, callers.submitter, Array.from({ length: MAX_BATCH_RUNS }, (_, v) => ({ workflow: echoChain(), input: { v } })));
  expect(results.map((r) => created(r).created)).toEqual(Array(MAX_BATCH_RUNS).fill(true));
  expect(dispatcher.announced).toHaveLength(1);
  expect(dispatcher.enqueued.map((j) => j.job.input)).toEqual(Array.from({ length: MAX_BATCH_RUNS }, (_, v) => ({ v })));
  expect((await read(created(results[999]!).id)).run).toMatchObject({ submitted_by: 'alice', input: { v: 999 } });
});

test('each submission is answered in order, a refused one with its own error, the others admitted', async () => {
  const { deps } = useCaseFixture();
  const limited = { ...callers.submitter, agents: ['echo'] };
  const results = await submitRuns(deps, limited, [
    { workflow: echoChain(), input: { v: 1 } },
    { workflow: { name: 'bad', steps: [{ id: 'a', agent: 'nobody' }] } },
    { workflow: { name: 'other', steps: [{ id: 'a', agent: 'classify' }] } },
    { template: 'missing' },
    { workflow: echoChain(), input: { v: 2 }, idempotencyKey: '' },
    { workflow: echoChain(), input: { v: 3 } },
  ]);
  expect(results.map((r) => (r instanceof BatonError ? r.code : 'created'))).toEqual(['created', 'VALIDATION_FAILED', 'FORBIDDEN', 'TEMPLATE_NOT_FOUND', 'VALIDATION_FAILED', 'created']);
  expect((results[1] as BatonError).details).toMatchObject([{ path: 'workflow.steps[0].agent' }]);
});

test('idempotency keys hold across single submissions and batches, and twice in one batch make one run', async () => {
  const { deps, dispatcher } = useCaseFixture();
  const first = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 1 }, idempotencyKey: 'k1' });
  const results = await submitRuns(deps, callers.submitter, [
    { workflow: echoChain(), input: { v: 1 }, idempotencyKey: 'k1' },
    { workflow: echoChain(), input: { v: 9 }, idempotencyKey: 'k1' },
    { workflow: echoChain(), input: { v: 2 }, idempotencyKey: 'k2' },
    { workflow: echoChain(), input: { v: 2 }, idempotencyKey: 'k2' },
  ]);
  expect(results[0]).toMatchObject({ id: first.id, created: false });
  expect(results[1]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  expect(results[2]).toMatchObject({ created: true });
  expect(results[3]).toMatchObject({ id: created(results[2]!).id, created: false });
  expect(dispatcher.enqueued.map((j) => j.job.input)).toEqual([{ v: 1 }, { v: 2 }]);
});

test('a template named by many submissions is resolved, and its pause read, once per batch', async () => {
  const { deps } = useCaseFixture();
  const definition = { name: 'greet', steps: [{ id: 'a', agent: 'echo' }] };
  const checked = await checkWorkflow(definition, deps);
  const calls = { resolve: 0, pausedBy: 0 };
  const resolved: ResolvedTemplate = {
    template: { tenant: 't', name: 'greet', version: 3, definition, definitionHash: checked.hash, description: null, schedule: null, triggers: [], createdBy: null, createdAt: new Date() },
    checked,
  };
  const batchDeps = {
    ...deps,
    templateCatalog: { resolve: async () => (calls.resolve++, resolved) },
    templatePauses: { pausedBy: async () => (calls.pausedBy++, 'op-key') },
  };
  const results = await submitRuns(batchDeps, callers.submitter, Array.from({ length: 50 }, () => ({ template: 'greet' })));
  expect(results.map((r) => created(r).status)).toEqual(Array(50).fill('paused'));
  expect(calls).toEqual({ resolve: 1, pausedBy: 1 });
});

test('more than 1,000 runs, or a caller who may not submit, refuses the whole batch', async () => {
  const { deps, dispatcher } = useCaseFixture();
  await expect(submitRuns(deps, callers.submitter, Array.from({ length: MAX_BATCH_RUNS + 1 }, () => ({ workflow: echoChain() }))))
    .rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'runs' }] });
  await expect(submitRuns(deps, callers.viewer, [{ workflow: echoChain() }])).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(dispatcher.enqueued).toEqual([]);
});

test('a dependency down fails the whole batch, not each run', async () => {
  const { deps, agents } = useCaseFixture();
  agents.down = true;
  await expect(submitRuns(deps, callers.submitter, [{ workflow: echoChain() }, { workflow: echoChain() }])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
});
