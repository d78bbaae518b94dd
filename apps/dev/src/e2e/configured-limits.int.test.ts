import { BatonHarness } from '../testing/baton-harness';

/** Limits are configuration: the values set in the environment are the ones applied, and named when passed. */
let baton: BatonHarness;
beforeAll(async () => {
  baton = await BatonHarness.start({ env: { BATON_MAX_EXPRESSION_MS: '20', BATON_MAX_IDEMPOTENCY_KEY_LENGTH: '16' } });
});
afterAll(() => baton.close());

const workflow = { name: 'limits', steps: [{ id: 'a', agent: 'echo', input: { v: 1 } }] };

test('an Idempotency-Key longer than BATON_MAX_IDEMPOTENCY_KEY_LENGTH is a 400 naming it; one within it is accepted', async () => {
  const long = await baton.request('POST', '/v1/runs', { workflow }, { 'idempotency-key': 'k'.repeat(17) });
  expect(long.status).toBe(400);
  expect(long.body.error.details).toEqual([{ path: 'Idempotency-Key', message: 'must be 1 to 16 characters (BATON_MAX_IDEMPOTENCY_KEY_LENGTH)' }]);
  const fits = await baton.request('POST', '/v1/runs', { workflow }, { 'idempotency-key': 'k'.repeat(16) });
  expect(fits.status).toBe(202);
});

test('an expression running past BATON_MAX_EXPRESSION_MS fails its step with the limit', async () => {
  const id = await baton.submit({
    name: 'slow-expression',
    steps: [
      { id: 'first', agent: 'echo', input: { n: 1 } },
      { id: 'loop', agent: 'echo', needs: ['first'], input: { v: '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}' } },
    ],
  });
  const run = await baton.waitFor(id);
  expect(run.status).toBe('failed');
  expect(run.steps.find((s) => s.key === 'loop')?.error?.message).toMatch(/timeout after 20 milliseconds/);
});
