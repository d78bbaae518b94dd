import { unstorableJson, unstorableStrings } from './storable-text';

describe('unstorableJson', () => {
  test.each<[unknown, boolean]>([
    [{ s: 'plain', n: 1 }, false],
    [{ s: 'a\u0000b' }, true],
    [{ ['k\u0000']: 1 }, true],
    [['\ud800'], true],
    ['x\udfff', true],
    ['😀 a pair is fine', false],
    // the text `\u0000` (a backslash, then u0000) is no NUL; an escaped backslash before a NUL is
    ['\\u0000', false],
    ['\\ud800', false],
    ['\\\u0000', true],
    ['\\\\\ud801', true],
  ])('%j → %s', (value, expected) => {
    expect(unstorableJson(JSON.stringify(value))).toBe(expected);
  });
});

describe('unstorableStrings', () => {
  test('nothing to report in well-formed values', () => {
    expect(unstorableStrings({ a: ['x', 1, null, true, { b: '😀' }] }, 'input')).toEqual([]);
    expect(unstorableStrings(undefined)).toEqual([]);
  });

  test('reports values and keys with their paths, in document order', () => {
    const value = { a: 'ok', b: '\ud800', c: [{ ['k\u0000']: 'not looked at \u0000' }, 'x\u0000'], ['odd key\udc00']: 1, d: 'both\u0000\ud800' };
    expect(unstorableStrings(value, 'input')).toEqual([
      { path: 'input.b', message: 'is not well-formed Unicode (a lone UTF-16 surrogate), which cannot be stored' },
      { path: 'input.c[0]["k\\u0000"]', message: 'the key holds \\u0000, which cannot be stored' },
      { path: 'input.c[1]', message: 'holds \\u0000, which cannot be stored' },
      { path: 'input["odd key\\udc00"]', message: 'the key is not well-formed Unicode (a lone UTF-16 surrogate), which cannot be stored' },
      { path: 'input.d', message: 'holds \\u0000 and is not well-formed Unicode (a lone UTF-16 surrogate), which cannot be stored' },
    ]);
  });

  test('a bare string is reported at the base path; at most `max` are reported', () => {
    expect(unstorableStrings('\u0000')).toEqual([{ path: '', message: 'holds \\u0000, which cannot be stored' }]);
    expect(unstorableStrings(Array.from({ length: 50 }, () => '\u0000'), 'out', 3).map((p) => p.path)).toEqual(['out[0]', 'out[1]', 'out[2]']);
  });

  test('any depth', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableStrings(deep)).toHaveLength(1);
  });
});
