import { cancelRun } from './cancel-run';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a submitter cancels its own runs only; an operator any of the tenant; a viewer none', async () => {
  const { deps, read } = useCaseFixture();
  const mine = (await submitRun(deps, callers.submitter, { workflow: echoChain() })).id;
  const theirs = (await submitRun(deps, callers.otherSubmitter, { workflow: echoChain() })).id;
  await expect(cancelRun(deps, callers.submitter, { id: theirs })).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'only an operator or the submitter of a run may cancel it' });
  await expect(cancelRun(deps, callers.viewer, { id: mine })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(await cancelRun(deps, callers.submitter, { id: mine })).toEqual({ id: mine, status: 'cancelled' });
  expect(await cancelRun(deps, callers.operator, { id: theirs })).toEqual({ id: theirs, status: 'cancelled' });
  expect((await read(mine)).run?.status).toBe('cancelled');
});

test('a finished run is RUN_FINISHED; another tenant\'s is RUN_NOT_FOUND and stays as it is', async () => {
  const { deps, read } = useCaseFixture();
  const { id } = await submitRun(deps, callers.admin, { workflow: echoChain() });
  await expect(cancelRun(deps, callers.stranger, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  expect((await read(id)).run?.status).toBe('queued');
  await cancelRun(deps, callers.admin, { id });
  await expect(cancelRun(deps, callers.admin, { id })).rejects.toMatchObject({ code: 'RUN_FINISHED', message: 'run is already cancelled' });
});

test('a run that finished on its own while being cancelled is RUN_FINISHED with what it became', async () => {
  const { deps, runtime } = useCaseFixture();
  const { id } = await submitRun(deps, callers.admin, { workflow: { name: 'one', steps: [{ id: 'a', agent: 'echo' }] } });
  // The result lands between the check and the cancellation.
  const racing = { ...deps, runtime: { ...deps.runtime, cancel: async () => runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: 1 }) } };
  await expect(cancelRun(racing, callers.admin, { id })).rejects.toMatchObject({ code: 'RUN_FINISHED', message: 'run is already succeeded' });
});
