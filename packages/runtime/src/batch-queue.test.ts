import { BatchQueue } from './batch-queue';

/** A flush that fails as a whole when any item is bad, like a transaction, and records each call. */
function recorder(bad: (item: string) => boolean) {
  const calls: string[][] = [];
  const flush = async (items: string[]) => {
    calls.push(items);
    const culprit = items.find(bad);
    if (culprit !== undefined) throw new Error(`cannot store ${culprit}`);
    return items.map((item) => (item === 'error' ? new Error('its own error') : item.toUpperCase()));
  };
  return { calls, flush };
}

test('a batch that fails is split until each bad item fails alone; the others succeed, in order', async () => {
  const { calls, flush } = recorder((item) => item.startsWith('bad'));
  const queue = new BatchQueue(flush);
  const items = ['a', 'b', 'bad1', 'c', 'd', 'e', 'bad2', 'f', 'error'];
  const results = await Promise.allSettled(items.map((item) => queue.push(item)));
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
    'A', 'B', 'cannot store bad1', 'C', 'D', 'E', 'cannot store bad2', 'F', 'its own error',
  ]);
  // every item reached a flush that committed, or failed alone; order is kept throughout
  expect(calls[0]).toEqual(items);
  expect(calls.filter((c) => c.length === 1 && c[0]!.startsWith('bad'))).toEqual([['bad1'], ['bad2']]);
  expect(calls.flat().filter((i) => !i.startsWith('bad')).join('')).toMatch(/^ab.*c.*d.*e.*f.*error$/);
  await queue.idle();
});

test('an error no part can escape fails the whole batch at once', async () => {
  const { calls, flush } = recorder(() => true);
  const queue = new BatchQueue(flush, { isolate: () => false });
  const results = await Promise.allSettled(['x', 'y', 'z'].map((item) => queue.push(item)));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  expect(calls).toEqual([['x', 'y', 'z']]);
});

test('batches hold at most maxBatch items; idle resolves once all are settled', async () => {
  const { calls, flush } = recorder(() => false);
  const queue = new BatchQueue(flush, { maxBatch: 2 });
  await expect(queue.idle()).resolves.toBeUndefined();
  const all = Promise.all(['a', 'b', 'c'].map((item) => queue.push(item)));
  await queue.idle();
  await expect(all).resolves.toEqual(['A', 'B', 'C']);
  expect(calls).toEqual([['a', 'b'], ['c']]);
});
