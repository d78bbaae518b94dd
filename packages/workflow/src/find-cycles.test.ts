import { findCycles } from './find-cycles';

describe('findCycles', () => {
  test.each<[string, number[][], number[][]]>([
    ['no nodes', [], []],
    ['a chain', [[1], [2], []], []],
    ['a diamond', [[1, 2], [3], [3], []], []],
    ['two nodes', [[1], [0]], [[0, 1]]],
    ['three nodes, found from the middle', [[], [2], [0, 3], [1]], [[1, 2, 3]]],
    ['entered at a higher node, reported from its lowest', [[2], [2], [1]], [[1, 2]]],
    ['two cycles sharing a node', [[1, 2], [0], [0]], [[0, 1], [0, 2]]],
    ['a cycle below an acyclic part', [[1], [2], [3], [2]], [[2, 3]]],
  ])('%s', (_name, edges, cycles) => {
    expect(findCycles(edges)).toEqual(cycles);
  });

  test('stops at the limit', () => {
    // Every node points to every other: many cycles.
    const edges = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => j).filter((j) => j !== i));
    expect(findCycles(edges)).toHaveLength(15);
    expect(findCycles(edges, 3)).toHaveLength(3);
  });

  test('walks a 100,000-deep chain without recursion', () => {
    const n = 100_000;
    const edges = Array.from({ length: n }, (_, i) => (i + 1 < n ? [i + 1] : [0]));
    const [cycle, ...rest] = findCycles(edges);
    expect(rest).toEqual([]);
    expect(cycle).toHaveLength(n);
    expect(cycle![0]).toBe(0);
  });
});
