import { ByteBudget, jsonBytes, utf8Bytes } from './byte-budget';

describe('utf8Bytes', () => {
  test.each(['', 'abc', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', '\ud800\ud800', 'é€😀'.repeat(100), `${'x'.repeat(5000)}€`])(
    'is the UTF-8 size TextEncoder gives for %j',
    (text) => {
      expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).byteLength);
    },
  );
});

describe('jsonBytes', () => {
  test('is the UTF-8 size of the JSON text, 0 for undefined', () => {
    expect(jsonBytes({ a: 'é' })).toBe(10);
    expect(jsonBytes(undefined)).toBe(0);
  });
});

describe('ByteBudget', () => {
  test('is spent once more than its limit is charged, naming the field and the variable', () => {
    const budget = new ByteBudget(10, 4);
    budget.charge(6, 'f');
    expect(budget.exhausted).toBe(false);
    expect(() => budget.charge(1, 'g')).toThrow('g: the run would hold more than 10 bytes (BATON_MAX_RUN_BYTES)');
    expect(() => budget.check('h')).toThrow(/^h: /);
  });
});
