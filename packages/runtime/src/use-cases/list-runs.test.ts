import { listRuns } from './list-runs';
import { submitRun } from './submit-run';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';

test('the tenant\'s runs newest first, page by page through nextCursor, filtered by status and name', async () => {
  const { deps, runtime } = useCaseFixture();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await submitRun(deps, callers.admin, { workflow: echoChain(i % 2 ? 'odd' : 'even') })).id);
  await submitRun(deps, callers.stranger, { workflow: echoChain() });
  await runtime.cancel('t', ids[0]!);
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRuns(deps, callers.viewer, { limit: 2, cursor });
    expect(page.items.length).toBeLessThanOrEqual(2);
    seen.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen.sort()).toEqual([...ids].sort());
  expect((await listRuns(deps, callers.viewer, { status: 'cancelled' })).items.map((r) => r.id)).toEqual([ids[0]]);
  expect((await listRuns(deps, callers.viewer, { template: 'odd' })).items).toHaveLength(2);
  expect((await listRuns(deps, callers.viewer, {})).items[0]).toEqual({ id: expect.any(String), status: 'queued', workflow: expect.any(String), createdAt: expect.any(String) });
});

test('a cursor this api did not issue is a 400 naming it', async () => {
  const { deps } = useCaseFixture();
  await expect(listRuns(deps, callers.viewer, { cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'cursor' }] });
});
