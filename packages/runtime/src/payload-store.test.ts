import { isPayloadRef } from '@baton/engine';
import { MemoryRunStore } from './memory-run-store.test-helper';
import { PayloadStore } from './payload-store';
import { chain, runtimeFixture } from './runtime-fixture.test-helper';

const big = (c: string, n = 2000) => c.repeat(n);

test('values at or under the threshold stay as they are; a larger one becomes a reference stored on flush', async () => {
  const store = new MemoryRunStore();
  const { runtime } = runtimeFixture({ store });
  const { id: runId } = await runtime.submit({ tenant: 't', workflow: chain('p', 1), input: {} });
  const compactor = new PayloadStore(store, 1000).compactor([]);
  for (const small of [null, undefined, 7, true, 'short', { a: 1 }, [1, 2]]) expect(compactor.compact(runId, small)).toBe(small);
  // Large as a whole, no part of it large: stored whole.
  const list = Array.from({ length: 300 }, (_, i) => `item ${i}`);
  const ref = compactor.compact(runId, list);
  expect(ref).toEqual({ $batonPayload: expect.any(String), bytes: JSON.stringify(list).length });
  expect(compactor.created()).toHaveLength(1);
  await store.transaction((tx) => compactor.flush(tx, new Date()));
  expect(compactor.created()).toHaveLength(0);
  if (!isPayloadRef(ref)) throw new Error('not a reference');
  expect(await store.payloads([ref.$batonPayload])).toEqual(new Map([[ref.$batonPayload, list]]));
});

test('only the large parts of a value become references; a value passed on unchanged is recognised, not stored twice', () => {
  const payloads = new PayloadStore(new MemoryRunStore(), 1000);
  const known = { value: { text: big('k') }, text: JSON.stringify({ text: big('k') }) };
  const compactor = payloads.compactor([['known-id', known]]);
  expect(compactor.compact('r', { text: big('k') })).toEqual({ $batonPayload: 'known-id', bytes: 2011 });
  const mixed = compactor.compact('r', { small: 1, large: big('y'), list: [big('z'), 2] }) as Record<string, unknown>;
  expect(mixed.small).toBe(1);
  expect(isPayloadRef(mixed.large)).toBe(true);
  expect(isPayloadRef((mixed.list as unknown[])[0])).toBe(true);
  expect((mixed.list as unknown[])[1]).toBe(2);
  expect(compactor.created().map((p) => p.value)).toEqual([big('y'), big('z')]);
  // The same large value again is the reference already made.
  expect(compactor.compact('r', big('y'))).toEqual(mixed.large);
  expect(compactor.created()).toHaveLength(2);
});

test('hydrate puts every stored value back in place, however deep; an unknown reference stays a reference', async () => {
  const store = new MemoryRunStore();
  const { runtime } = runtimeFixture({ store, payloadThresholdBytes: 1000 });
  const { id: runId } = await runtime.submit({ tenant: 't', workflow: chain('h', 1), input: {} });
  const ref = await runtime.offload(runId, big('v'));
  const missing = { $batonPayload: '00000000-0000-4000-8000-000000000000', bytes: 5000 };
  expect(await runtime.hydrate({ a: [{ b: ref }], c: missing, d: 'plain' })).toEqual({ a: [{ b: big('v') }], c: missing, d: 'plain' });
  expect(await runtime.hydrate('no references')).toBe('no references');
});
