import { randomUUID } from 'node:crypto';
import { getRunHistory, historyEnded, readHistory, toEventView } from './run-history';
import { callers, echoChain, useCaseFixture } from './use-cases-fixture.test-helper';
import { submitRun } from './submit-run';

const succeeded = (key: string, output: unknown) => ({ type: 'step.succeeded' as const, key, attempt: 1, output });

async function finishedRun() {
  const fixture = useCaseFixture();
  const { id } = await submitRun(fixture.deps, callers.submitter, { workflow: echoChain(), input: { v: 1 } });
  const ref = { $batonPayload: randomUUID(), bytes: 100_000 };
  await fixture.runtime.apply(id, succeeded('a', ref));
  await fixture.runtime.apply(id, succeeded('b', { done: true }));
  await fixture.runtime.drain();
  return { ...fixture, id, ref };
}

describe('getRunHistory', () => {
  test('pages through the run\'s events in order with nextCursor; the last page has none', async () => {
    const { deps, id, ref } = await finishedRun();
    const all = await getRunHistory(deps, callers.viewer, { id, limit: 1000 });
    expect(all.nextCursor).toBeUndefined();
    expect(all.items.map((e) => `${e.seq} ${e.type}${e.key ? ` ${e.key}` : ''}`)).toEqual([
      '1 run.queued', '2 step.queued a', '3 run.started', '4 step.succeeded a', '5 step.queued b', '6 step.succeeded b', '7 run.succeeded',
    ]);
    expect(all.items[0]).toEqual({ seq: 1, type: 'run.queued', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data: { steps: 2 } });
    // The attempt is the event's own field; a stored output is a link, never the value.
    expect(all.items[3]).toEqual({ seq: 4, type: 'step.succeeded', key: 'a', attempt: 1, at: expect.any(String), data: { output: { $ref: `/v1/payloads/${ref.$batonPayload}` } } });
    expect(all.items[6]).toEqual({ seq: 7, type: 'run.succeeded', at: expect.any(String) });

    const pages = [];
    let after: number | undefined;
    do {
      const page = await getRunHistory(deps, callers.viewer, { id, limit: 3, after });
      pages.push(page.items.map((e) => e.seq));
      after = page.nextCursor;
    } while (after !== undefined);
    expect(pages).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    // A page that ends exactly at the last event says there is no more.
    expect(await getRunHistory(deps, callers.viewer, { id, after: 4, limit: 3 })).toEqual({ items: all.items.slice(4) });
    expect(await getRunHistory(deps, callers.viewer, { id, after: 7 })).toEqual({ items: [] });
  });

  test('another tenant\'s run, an unknown and a malformed id are RUN_NOT_FOUND', async () => {
    const { deps, id } = await finishedRun();
    await expect(getRunHistory(deps, callers.stranger, { id })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(getRunHistory(deps, callers.viewer, { id: randomUUID() })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    await expect(getRunHistory(deps, callers.viewer, { id: 'nope' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  test('readHistory gives the run\'s status and last number with the page: the history has ended once a final run is read to its last event', async () => {
    const fixture = useCaseFixture();
    const { id } = await submitRun(fixture.deps, callers.submitter, { workflow: echoChain(), input: { v: 1 } });
    await fixture.runtime.drain();
    const running = await readHistory(fixture.deps, callers.viewer, id, 0, 1);
    expect(running).toMatchObject({ status: 'queued', lastSeq: 2, events: [{ seq: 1 }] });
    expect(historyEnded(running, 2)).toBe(false);
    await fixture.runtime.cancel('t', id);
    const over = await readHistory(fixture.deps, callers.viewer, id, 2, 10);
    expect(over.status).toBe('cancelled');
    expect(historyEnded(over, over.lastSeq - 1)).toBe(false);
    expect(historyEnded(over, over.lastSeq)).toBe(true);
  });
});

describe('toEventView', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  test('lifts a numeric attempt out of data, keeps anything else there, and omits empty data', () => {
    expect(toEventView({ seq: 1, type: 'step.started', key: 'a', data: { attempt: 2 }, at })).toEqual({ seq: 1, type: 'step.started', key: 'a', attempt: 2, at: '2026-01-01T00:00:00.000Z' });
    expect(toEventView({ seq: 2, type: 'x', key: null, data: { attempt: 'odd', n: 1 }, at })).toEqual({ seq: 2, type: 'x', at: '2026-01-01T00:00:00.000Z', data: { attempt: 'odd', n: 1 } });
    expect(toEventView({ seq: 3, type: 'run.started', key: null, data: null, at })).toEqual({ seq: 3, type: 'run.started', at: '2026-01-01T00:00:00.000Z' });
  });
});
