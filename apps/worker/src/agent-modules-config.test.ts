import { loadWorkerConfig } from './config';

describe("the worker's agent and metrics variables", () => {
  test('have documented defaults: no modules, no agent config, metrics on 127.0.0.1:9464', () => {
    const config = loadWorkerConfig({});
    expect([config.agentModules, config.agentConfig, config.metricsPort, config.metricsHost]).toEqual([[], {}, 9464, '127.0.0.1']);
    expect(loadWorkerConfig({ METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
  });

  test('are read; METRICS_PORT=0 serves no metrics', () => {
    const config = loadWorkerConfig({
      BATON_AGENT_MODULES: ' ./agents/dist/index.js, @acme/baton-agents ,',
      BATON_AGENT_CONFIG: '{ "word-count": { "maxWords": 100 }, "slugify": {} }',
      METRICS_PORT: '0',
    });
    expect(config.agentModules).toEqual(['./agents/dist/index.js', '@acme/baton-agents']);
    expect(config.agentConfig).toEqual({ 'word-count': { maxWords: 100 }, slugify: {} });
    expect(config.metricsPort).toBeUndefined();
    expect(loadWorkerConfig({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
  });

  test.each([
    ['BATON_AGENT_CONFIG', '{ nope', /BATON_AGENT_CONFIG: not JSON: /],
    ['BATON_AGENT_CONFIG', '[1]', /BATON_AGENT_CONFIG: must be a JSON object of objects/],
    ['BATON_AGENT_CONFIG', '{ "word-count": 3 }', /BATON_AGENT_CONFIG\.word-count: /],
    ['METRICS_PORT', '70000', /METRICS_PORT: /],
    ['METRICS_PORT', 'http', /METRICS_PORT: /],
  ])('refuse a bad %s (%s), naming it', (name, value, message) => {
    expect(() => loadWorkerConfig({ [name]: value })).toThrow(message);
  });
});
