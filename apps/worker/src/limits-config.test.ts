import { loadWorkerConfig } from './config';

describe("the worker's limit variables (the api's names and defaults)", () => {
  test('have documented defaults', () => {
    expect(loadWorkerConfig({}).limits).toEqual({ maxRunBytes: 64 * 1024 * 1024, maxExpressionBytes: 16 * 1024 * 1024, maxForEachItems: 10_000, maxRunSteps: 20_000, maxExpressionMs: 100, maxSubworkflowDepth: 5 });
  });

  test('are read', () => {
    const env = { BATON_MAX_RUN_BYTES: '2048', BATON_MAX_EXPRESSION_BYTES: '1024', BATON_MAX_FOREACH_ITEMS: '5', BATON_MAX_RUN_STEPS: '1000' };
    expect(loadWorkerConfig(env).limits).toEqual({ maxRunBytes: 2048, maxExpressionBytes: 1024, maxForEachItems: 5, maxRunSteps: 1000, maxExpressionMs: 100, maxSubworkflowDepth: 5 });
  });

  test.each([
    ['BATON_MAX_RUN_BYTES', '10'],
    ['BATON_MAX_EXPRESSION_BYTES', 'lots'],
    ['BATON_MAX_FOREACH_ITEMS', '0'],
    ['BATON_MAX_RUN_STEPS', '999'],
  ])('refuse a bad %s, naming it', (name, value) => {
    expect(() => loadWorkerConfig({ [name]: value })).toThrow(new RegExp(`\\n  - ${name}: `));
  });
});
