import { MAX_DEPTH, nestedDeeperThan } from './nested-deeper-than';

const nest = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

describe('nestedDeeperThan', () => {
  it.each([
    [1, 0, false],
    [{}, 0, true],
    [nest(3), 3, false],
    [nest(4), 3, true],
    [nest(MAX_DEPTH), MAX_DEPTH, false],
    [nest(MAX_DEPTH + 1), MAX_DEPTH, true],
    [nest(100_000), MAX_DEPTH, true],
    [{ a: [1, 2, { b: null }], c: 'x' }, 3, false],
  ])('case %#', (value, max, expected) => {
    expect(nestedDeeperThan(value, max)).toBe(expected);
  });
});
