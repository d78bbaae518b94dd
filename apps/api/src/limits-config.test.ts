import { loadConfig } from './config';

describe('the limit variables', () => {
  test('have documented defaults', () => {
    expect(loadConfig({}).limits).toEqual({
      maxRunBytes: 64 * 1024 * 1024,
      maxExpressionBytes: 16 * 1024 * 1024,
      maxForEachItems: 10_000,
      maxRunSteps: 20_000,
      maxExpressionMs: 100, maxSubworkflowDepth: 5,
      maxInputArrayItems: 10_000,
      maxYamlNodes: 200_000,
      maxIdempotencyKeyLength: 200,
    });
  });

  test('are read, an empty one meaning the default', () => {
    const limits = loadConfig({
      BATON_MAX_RUN_BYTES: '2048',
      BATON_MAX_EXPRESSION_BYTES: '1024',
      BATON_MAX_FOREACH_ITEMS: '5',
      BATON_MAX_RUN_STEPS: '1000',
      BATON_MAX_INPUT_ARRAY_ITEMS: '7',
      BATON_MAX_YAML_NODES: '',
    }).limits;
    expect(limits).toEqual({ maxRunBytes: 2048, maxExpressionBytes: 1024, maxForEachItems: 5, maxRunSteps: 1000, maxExpressionMs: 100, maxSubworkflowDepth: 5, maxInputArrayItems: 7, maxYamlNodes: 200_000, maxIdempotencyKeyLength: 200 });
  });

  test.each([
    ['BATON_MAX_RUN_BYTES', '10'],
    ['BATON_MAX_EXPRESSION_BYTES', 'lots'],
    ['BATON_MAX_FOREACH_ITEMS', '0'],
    ['BATON_MAX_RUN_STEPS', '999'],
    ['BATON_MAX_INPUT_ARRAY_ITEMS', '-1'],
    ['BATON_MAX_YAML_NODES', '1.5'],
  ])('refuse a bad %s, naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: must be an integer between`));
  });
});
