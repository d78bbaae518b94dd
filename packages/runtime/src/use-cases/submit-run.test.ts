import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a submitter records a run of its tenant, as its own, and its first step is enqueued', async () => {
  const { deps, read, dispatcher } = useCaseFixture();
  const result = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 1 }, priority: 3 });
  expect(result).toMatchObject({ created: true, status: 'queued' });
  expect((await read(result.id)).run).toMatchObject({ tenant: 't', submitted_by: 'alice', priority: 3, input: { v: 1 } });
  expect(dispatcher.enqueued.map((j) => j.job.input)).toEqual([{ v: 1 }]);
});

test('a workflow may come as YAML text, read by the reader the deps give', async () => {
  const { deps } = useCaseFixture({ checkLimits: { maxYamlNodes: 1000 } });
  const yaml = 'name: from-yaml\nsteps:\n  - id: a\n    agent: echo\n';
  expect(await submitRun(deps, callers.admin, { workflow: yaml })).toMatchObject({ created: true });
  const seen: unknown[] = [];
  const reading = { ...deps, readDefinition: async (source: string, options: unknown) => (seen.push(options), { ok: true as const, definition: { name: 'read', steps: [{ id: 'a', agent: 'echo' }] } }) };
  await submitRun(reading, callers.admin, { workflow: 'anything' });
  expect(seen).toEqual([{ maxYamlNodes: 1000 }]);
  await expect(submitRun(deps, callers.admin, { workflow: 'steps: [' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'workflow' }] });
});

test('the roles and the agent allow-list decide who may submit what', async () => {
  const { deps } = useCaseFixture();
  await expect(submitRun(deps, callers.viewer, { workflow: echoChain() })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(submitRun(deps, callers.operator, { workflow: echoChain() })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  const limited = { ...callers.submitter, agents: ['classify'] };
  await expect(submitRun(deps, limited, { workflow: echoChain() })).rejects.toMatchObject({ code: 'FORBIDDEN', details: [{ path: 'agents', message: expect.stringMatching(/^echo /) }] });
});

test("every hand-off target is held to the caller's allow-list at submission, and the list is kept with the run", async () => {
  const { deps, read } = useCaseFixture();
  const routing = { name: 'route', steps: [{ id: 'r', agent: 'classify', handoffs: ['echo'] }] };
  const limited = { ...callers.submitter, agents: ['classify'] };
  await expect(submitRun(deps, limited, { workflow: routing })).rejects.toMatchObject({ code: 'FORBIDDEN', details: [{ path: 'agents', message: expect.stringMatching(/^echo /) }] });
  const allowed = await submitRun(deps, { ...callers.submitter, agents: ['classify', 'echo'] }, { workflow: routing });
  expect((await read(allowed.id)).run).toMatchObject({ allowed_agents: ['classify', 'echo'] });
  const unlimited = await submitRun(deps, callers.submitter, { workflow: routing });
  expect((await read(unlimited.id)).run).toMatchObject({ allowed_agents: null });
});

test.each([
  [{ workflow: { name: 'x', steps: [{ id: 'a', agent: 'echo', input: { t: 'a\u0000' } }] } }, 'workflow.steps[0].input.t'],
  [{ workflow: echoChain(), input: { ['k\ud800']: 1 } }, 'input["k\\ud800"]'],
  [{ template: 't\u0000' }, 'template'],
])('text that cannot be stored is refused where it is (%#)', async (submission, path) => {
  const { deps } = useCaseFixture();
  await expect(submitRun(deps, callers.admin, submission)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path }] });
});

test.each([
  [{ workflow: echoChain(), template: 'triage' }, 'VALIDATION_FAILED', 'template'],
  [{ template: 'triage' }, 'TEMPLATE_NOT_FOUND', undefined],
  [{ workflow: echoChain(), version: 2 }, 'VALIDATION_FAILED', 'version'],
  [{}, 'VALIDATION_FAILED', 'workflow'],
  [{ workflow: echoChain(), idempotencyKey: '' }, 'VALIDATION_FAILED', 'Idempotency-Key'],
  [{ workflow: echoChain(), idempotencyKey: 'k'.repeat(201) }, 'VALIDATION_FAILED', 'Idempotency-Key'],
  [{ workflow: { name: 'x', steps: [{ id: 'a', agent: 'unknown' }] } }, 'VALIDATION_FAILED', 'workflow.steps[0].agent'],
])('a submission that is not one is refused, and nothing is recorded (%#)', async (submission, code, path) => {
  const { deps, queries } = useCaseFixture();
  const err = await submitRun(deps, callers.admin, submission).catch((e: unknown) => e);
  expect(err).toMatchObject({ code });
  if (path) expect(err).toMatchObject({ details: expect.arrayContaining([expect.objectContaining({ path })]) });
  if (code === 'TEMPLATE_NOT_FOUND') expect(err).toMatchObject({ message: 'template triage not found: templates are not available on this deployment' });
  expect(await queries.list({ tenant: 't', limit: 10 })).toEqual([]);
});

test('the input is checked against the workflow\'s schema and the configured array limit', async () => {
  const { deps } = useCaseFixture({ checkLimits: { maxInputArrayItems: 2 } });
  const workflow = { ...echoChain(), input: { type: 'object', required: ['v'] } };
  await expect(submitRun(deps, callers.admin, { workflow, input: {} })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'input.v' }] });
  await expect(submitRun(deps, callers.admin, { workflow, input: { v: [1, 2, 3] } }))
    .rejects.toMatchObject({ details: [{ message: expect.stringContaining('BATON_MAX_INPUT_ARRAY_ITEMS') }] });
});

test('an Idempotency-Key is bound to the submission whatever its key order; another submission under it is a conflict', async () => {
  const { deps } = useCaseFixture();
  const first = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 1, w: 2 }, idempotencyKey: 'key-1' });
  const again = await submitRun(deps, callers.submitter, { input: { w: 2, v: 1 }, workflow: echoChain(), idempotencyKey: 'key-1' });
  expect(again).toEqual({ id: first.id, status: 'queued', created: false });
  await expect(submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 9 }, idempotencyKey: 'key-1' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
});

test('when the agents cannot be known (Redis down) the submission is UNAVAILABLE', async () => {
  const { deps, agents } = useCaseFixture();
  agents.down = true;
  await expect(submitRun(deps, callers.admin, { workflow: echoChain() })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
});

test("the request's id and trace reach the first jobs and are no part of the submission an Idempotency-Key is bound to", async () => {
  const { deps, dispatcher } = useCaseFixture();
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const first = await submitRun(deps, callers.submitter, { workflow: echoChain(), idempotencyKey: 'trace-key', requestId: 'req-1', traceparent });
  expect(dispatcher.enqueued.map((j) => [j.job.requestId, j.job.traceparent])).toEqual([['req-1', traceparent]]);
  const again = await submitRun(deps, callers.submitter, { workflow: echoChain(), idempotencyKey: 'trace-key', requestId: 'req-2' });
  expect(again).toEqual({ id: first.id, status: first.status, created: false });
});
