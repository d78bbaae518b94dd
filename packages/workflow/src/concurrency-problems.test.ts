import { validate } from './validate';

const wf = (concurrency: unknown) => ({ name: 'w', steps: [{ id: 'a', agent: 'echo' }], concurrency });
const problems = (concurrency: unknown) => {
  const result = validate(wf(concurrency));
  return result.ok ? [] : result.problems;
};

describe('a workflow\'s concurrency', () => {
  test('a key template and a limit compile; the key evaluates over $input', async () => {
    const result = validate(wf({ key: '{{ $input.customer }}', limit: 2 }));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(await result.compiled.concurrencyKey!.evaluate({ input: { customer: 'acme' } })).toBe('acme');
  });

  test('no concurrency compiles no key', () => {
    const result = validate({ name: 'w', steps: [{ id: 'a', agent: 'echo' }] });
    expect(result.ok && result.compiled.concurrencyKey).toBe(undefined);
  });

  test('a key that does not parse, one reading $secrets, a limit out of range and unknown fields are refused', () => {
    expect(problems({ key: '{{ $input. }}', limit: 2 }).map((p) => p.path)).toEqual(['concurrency.key']);
    expect(problems({ key: '{{ $secrets.TOKEN }}', limit: 2 })).toEqual([{ path: 'concurrency.key', message: '$secrets is only available in a step input' }]);
    expect(problems({ key: 'k', limit: 0 }).map((p) => p.path)).toEqual(['concurrency.limit']);
    expect(problems({ key: 'k', limit: 2, burst: 1 }).map((p) => p.path)).toEqual(['concurrency.burst']);
    expect(problems(5).map((p) => p.path)).toEqual(['concurrency']);
    expect(problems({ key: 5, limit: 2 }).map((p) => p.path)).toEqual(['concurrency.key']);
  });

  test('a fair-share pool: total and weights by tenant and by key; weights without total, or out of range, are refused', () => {
    expect(problems({ key: 'k', limit: 5, total: 50, weights: { tenants: { gold: 3 }, keys: { vip: 2 } } })).toEqual([]);
    expect(problems({ key: 'k', limit: 5, weights: { tenants: { gold: 3 } } })).toEqual([{ path: 'concurrency.weights', message: 'weights apply only with total' }]);
    expect(problems({ key: 'k', limit: 5, total: 0 }).map((p) => p.path)).toEqual(['concurrency.total']);
    expect(problems({ key: 'k', limit: 5, total: 9, weights: { tenants: { gold: 0 } } }).map((p) => p.path)).toEqual(['concurrency.weights.tenants.gold']);
    expect(problems({ key: 'k', limit: 5, total: 9, weights: { colours: {} } }).map((p) => p.path)).toEqual(['concurrency.weights.colours']);
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, 1]));
    expect(problems({ key: 'k', limit: 5, total: 9, weights: { keys: many } }).map((p) => p.path)).toEqual(['concurrency.weights.keys']);
  });
});
