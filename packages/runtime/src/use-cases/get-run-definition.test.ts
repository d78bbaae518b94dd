import { getRunDefinition } from './get-run-definition';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test("a run's definition as recorded, with its needs; another tenant's run and a malformed id are RUN_NOT_FOUND", async () => {
  const { deps } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: echoChain(), input: { v: 1 } });
  const view = await getRunDefinition(deps, callers.viewer, { id });
  expect(view).toMatchObject({ id, workflow: 'echo-chain', definition: { name: 'echo-chain', steps: [{ id: 'a' }, { id: 'b', needs: ['a'] }] } });
  expect(view).not.toHaveProperty('template');
  await expect(getRunDefinition(deps, callers.stranger, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  await expect(getRunDefinition(deps, callers.viewer, { id: 'nope' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
});
