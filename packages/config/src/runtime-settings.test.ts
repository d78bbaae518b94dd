import { patchRuntimeSettings } from './runtime-settings';

describe('patchRuntimeSettings (a JSON merge patch, validated whole)', () => {
  test('sets, merges into records, and removes with null', () => {
    const first = patchRuntimeSettings({}, { rateLimitPerMinute: 100, workerConcurrency: { echo: 5, delay: 2 }, logLevel: 'debug' });
    expect(first).toEqual({ settings: { rateLimitPerMinute: 100, workerConcurrency: { echo: 5, delay: 2 }, logLevel: 'debug' } });
    const settings = 'settings' in first ? first.settings : {};
    expect(patchRuntimeSettings(settings, { workerConcurrency: { echo: null, http: 7 }, logLevel: null })).toEqual({
      settings: { rateLimitPerMinute: 100, workerConcurrency: { delay: 2, http: 7 } },
    });
    expect(patchRuntimeSettings(settings, {})).toEqual({ settings });
  });

  test('lists every problem with its path, and applies nothing', () => {
    expect(patchRuntimeSettings({ retentionDays: 30 }, {
      retentionDays: -1, workerConcurrency: { echo: 0 }, rateLimitsByKey: { nothex: 5 }, logLevel: 'loud', colour: 'blue',
    })).toEqual({
      problems: expect.arrayContaining([
        { path: 'retentionDays', message: 'Number must be greater than or equal to 0' },
        { path: 'workerConcurrency.echo', message: 'Number must be greater than or equal to 1' },
        { path: 'rateLimitsByKey.nothex', message: 'must be an API key id (16 hex digits)' },
        { path: 'logLevel', message: expect.stringContaining("Expected 'error' | 'warn'") },
        { path: '', message: 'unknown setting: colour' },
      ]),
    });
  });

  test.each([null, [], 'x', 5])('refuses a patch that is not an object: %j', (patch) => {
    expect(patchRuntimeSettings({}, patch)).toEqual({ problems: [{ path: '', message: 'a settings patch is a JSON object (RFC 7386 merge patch: null removes a setting)' }] });
  });
});
