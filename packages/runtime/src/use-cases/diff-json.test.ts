import { diffJson } from './diff-json';

describe('diffJson', () => {
  it('answers nothing for equal values, whatever their key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
  });

  it('names added, removed and changed paths: removals and changes first, then additions, keys sorted', () => {
    expect(diffJson(
      { name: 'x', steps: [{ id: 'a', input: { t: 1, old: true } }], tags: ['p', 'q'] },
      { name: 'y', steps: [{ id: 'a', input: { t: 2 } }, { id: 'b' }], tags: ['p'], output: 1 },
    )).toEqual([
      { op: 'changed', path: 'name', from: 'x', to: 'y' },
      { op: 'removed', path: 'steps[0].input.old', value: true },
      { op: 'changed', path: 'steps[0].input.t', from: 1, to: 2 },
      { op: 'added', path: 'steps[1]', value: { id: 'b' } },
      { op: 'removed', path: 'tags[1]', value: 'q' },
      { op: 'added', path: 'output', value: 1 },
    ]);
  });

  it('quotes keys that are no identifiers, treats a type change as a change, and keeps prototype names as plain keys', () => {
    expect(diffJson({ 'a b': 1, constructor: 1 }, { 'a b': 2 })).toEqual([
      { op: 'changed', path: '["a b"]', from: 1, to: 2 },
      { op: 'removed', path: 'constructor', value: 1 },
    ]);
    expect(diffJson({ v: [1] }, { v: { 0: 1 } })).toEqual([{ op: 'changed', path: 'v', from: [1], to: { 0: 1 } }]);
    expect(diffJson(1, 2)).toEqual([{ op: 'changed', path: '', from: 1, to: 2 }]);
  });
});
