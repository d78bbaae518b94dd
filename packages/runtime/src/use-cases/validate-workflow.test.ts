import { validateWorkflow } from './validate-workflow';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('a valid workflow is valid, and nothing is recorded', async () => {
  const { deps, queries } = useCaseFixture();
  expect(await validateWorkflow(deps, callers.submitter, { workflow: echoChain() })).toEqual({ valid: true });
  expect(await queries.list({ tenant: 't', limit: 1 })).toEqual([]);
});

test('every problem comes back with its path under workflow; a viewer may not ask', async () => {
  const { deps } = useCaseFixture();
  const workflow = { name: 'bad', steps: [{ id: 'a', agent: 'nobody' }, { id: 'b', agent: 'echo', needs: ['zz'] }] };
  await expect(validateWorkflow(deps, callers.admin, { workflow })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: expect.arrayContaining([expect.objectContaining({ path: 'workflow.steps[0].agent' }), expect.objectContaining({ path: 'workflow.steps[1].needs[0]' })]),
  });
  await expect(validateWorkflow(deps, callers.viewer, { workflow: echoChain() })).rejects.toMatchObject({ code: 'FORBIDDEN' });
});

test('a definition validated once is taken from the cache, but its agents are checked every time', async () => {
  const { deps, agents } = useCaseFixture();
  const workflow = { name: 'cached', steps: [{ id: 'a', agent: 'classify' }] };
  await validateWorkflow(deps, callers.admin, { workflow });
  agents.names.delete('classify');
  await expect(validateWorkflow(deps, callers.admin, { workflow })).rejects.toMatchObject({ details: [{ path: 'workflow.steps[0].agent' }] });
});

test('YAML nested deeper than the limit is refused at the workflow', async () => {
  const { deps } = useCaseFixture();
  const yaml = `name: deep\nsteps:\n  - id: a\n    agent: echo\n    input: ${'['.repeat(70)}${']'.repeat(70)}\n`;
  await expect(validateWorkflow(deps, callers.admin, { workflow: yaml })).rejects.toMatchObject({ details: [{ path: 'workflow', message: 'nested deeper than 64 levels' }] });
});
