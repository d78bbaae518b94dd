import { maskSecrets, maskText, maskable } from './mask-secrets';

describe('masking secret values', () => {
  const values = maskable(['abc', 'abcdef', '', 'abc']);

  test('longest first, none empty, no repeats', () => {
    expect(values).toEqual(['abcdef', 'abc']);
  });

  test('in text: every occurrence', () => {
    expect(maskText('x abcdef y abc z abcabc', values)).toBe('x *** y *** z ******');
    expect(maskText('nothing here', values)).toBe('nothing here');
  });

  test('in a JSON value: strings and keys, nested; other values untouched', () => {
    const value = JSON.parse('{"k": ["abc!", 1, null, true, {"abcdef": "ok"}], "__proto__": "abc"}');
    const masked = maskSecrets(value, values) as Record<string, unknown>;
    expect(masked.k).toEqual(['***!', 1, null, true, { '***': 'ok' }]);
    expect(Object.getOwnPropertyDescriptor(masked, '__proto__')?.value).toBe('***');
    expect(maskSecrets(value, [])).toBe(value);
  });
});
