import { retryRun } from './retry-run';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a failed run is retried: its failed steps run again; any other is RUN_NOT_FAILED', async () => {
  const { deps, runtime, dispatcher } = useCaseFixture();
  const { id } = await submitRun(deps, callers.admin, { workflow: echoChain() });
  await expect(retryRun(deps, callers.operator, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FAILED', message: 'only a failed run can be retried; this one is queued' });
  await runtime.apply(id, { type: 'step.failed', key: 'a', attempt: 1, retryable: false, error: { code: 'AGENT_ERROR', message: 'no' } });
  await expect(retryRun(deps, callers.submitter, { id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(retryRun(deps, callers.stranger, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  expect(await retryRun(deps, callers.operator, { id })).toEqual({ id, status: 'running' });
  expect(dispatcher.keys(id)).toEqual(['a#1', 'a#2']);
});
