import { BoundedCache } from './bounded-cache';

describe('BoundedCache', () => {
  test('keeps entries until it is full, then starts over', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect([cache.get('a'), cache.get('b'), cache.size]).toEqual([1, 2, 2]);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([undefined, undefined, 3, 1]);
  });

  test('replacing a key does not count twice', () => {
    const cache = new BoundedCache<string>(2);
    cache.set('a', 'x');
    cache.set('a', 'y');
    expect([cache.get('a'), cache.size]).toEqual(['y', 1]);
  });
});
