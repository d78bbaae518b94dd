import { getRun } from './get-run';
import { submitRun } from './submit-run';
import { LAST_SEEN, callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a run of the caller\'s tenant, its entries in definition order; another tenant\'s and a malformed id are RUN_NOT_FOUND', async () => {
  const { deps, runtime } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 1 } });
  await runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: { ok: true } });
  const view = await getRun(deps, callers.viewer, { id });
  expect(view).toMatchObject({
    id, status: 'running', workflow: 'echo-chain', input: { v: 1 },
    steps: [{ id: 'a', key: 'a', status: 'succeeded', agent: 'echo', attempts: 1, output: { ok: true } }, { id: 'b', status: 'queued' }],
  });
  await expect(getRun(deps, callers.stranger, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', message: `run ${id} not found` });
  await expect(getRun(deps, callers.viewer, { id: 'nope' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
});

test('stored values are inlined while the answer fits its budget, and linked beyond it', async () => {
  const { deps, runtime } = useCaseFixture({ payloadThresholdBytes: 1000, viewBudgetBytes: 5500 });
  const { id } = await submitRun(deps, callers.admin, { workflow: echoChain(), input: { v: 1 } });
  const small = 'a'.repeat(1500);
  await runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: await runtime.offload(id, { text: small }) });
  expect((await getRun(deps, callers.admin, { id })).steps[0]!.output).toEqual({ text: small });
  await runtime.apply(id, { type: 'step.succeeded', key: 'b', attempt: 1, output: await runtime.offload(id, { text: 'b'.repeat(3000) }) });
  // In document order: the run's output (b's, 3,000 bytes) first, then a's; b's own entry is past the budget.
  const view = await getRun(deps, callers.admin, { id });
  expect(view.output).toEqual({ b: { text: 'b'.repeat(3000) } });
  expect(view.steps[0]!.output).toEqual({ text: small });
  expect(view.steps[1]!.output).toEqual({ $ref: expect.stringMatching(/^\/v1\/payloads\/[0-9a-f-]{36}$/) });
});

test('a queued step whose agent has no live worker says so in waitingFor; with a worker, or the directory down, it says nothing', async () => {
  const { deps, agents } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: {} });
  expect((await getRun(deps, callers.viewer, { id })).steps[0]).not.toHaveProperty('waitingFor');
  agents.offline.add('echo');
  const view = await getRun(deps, callers.viewer, { id });
  expect(view.steps[0]).toMatchObject({ key: 'a', status: 'queued', waitingFor: { agent: 'echo', reason: `no live worker since ${LAST_SEEN}` } });
  // b is pending behind a, not queued: it waits for a, not for a worker.
  expect(view.steps[1]).not.toHaveProperty('waitingFor');
  agents.down = true;
  expect((await getRun(deps, callers.viewer, { id })).steps[0]).not.toHaveProperty('waitingFor');
});
