import { getRunStep } from './get-run-step';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('one entry with its evaluated input; an unknown key is STEP_NOT_FOUND, another tenant\'s run RUN_NOT_FOUND', async () => {
  const { deps, runtime } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 7 } });
  expect(await getRunStep(deps, callers.viewer, { id, key: 'a' })).toMatchObject({ id: 'a', key: 'a', status: 'queued', agent: 'echo', input: { v: 7 } });
  // b waits for a: nothing evaluated its input yet.
  expect(await getRunStep(deps, callers.viewer, { id, key: 'b' })).not.toHaveProperty('input');
  await runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: { ok: true } });
  expect(await getRunStep(deps, callers.viewer, { id, key: 'a' })).toMatchObject({ status: 'succeeded', output: { ok: true }, input: { v: 7 } });
  await expect(getRunStep(deps, callers.viewer, { id, key: 'zz' })).rejects.toMatchObject({ code: 'STEP_NOT_FOUND', message: `run ${id} has no entry zz` });
  await expect(getRunStep(deps, callers.stranger, { id, key: 'a' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
});

test('a stored input past the budget is a link', async () => {
  const { deps } = useCaseFixture({ payloadThresholdBytes: 1000, viewBudgetBytes: 1500 });
  const { id } = await submitRun(deps, callers.admin, { workflow: echoChain(), input: { v: 'x'.repeat(3000) } });
  expect((await getRunStep(deps, callers.admin, { id, key: 'a' })).input).toEqual({ v: { $ref: expect.stringMatching(/^\/v1\/payloads\/[0-9a-f-]{36}$/) } });
});
