import { randomUUID } from 'node:crypto';
import type { EventWrite, NewRun, StepWrite } from '@baton/db';
import type { RunQueries } from './run-queries';
import type { RunStore } from './run-store';

/** What one adapter gives the suite: a store and the queries over the same runs. */
export interface RunStoreUnderTest {
  store: RunStore;
  queries: RunQueries;
}

const at = (iso: string) => new Date(iso);
const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A run as admission writes it; every test uses ids and tenants of its own. */
function newRun(fields: Partial<NewRun> = {}): NewRun {
  return {
    id: randomUUID(), tenant: `t-${randomUUID()}`, status: 'running', workflow_name: 'wf', template: null, template_version: null,
    definition: { name: 'wf', steps: [{ id: 'a', agent: 'echo' }] }, definition_hash: 'h', input: { n: 1 }, output: null, error: null,
    context: {}, priority: 5, event_seq: 1, submitted_by: 'key-1', created_at: '2026-01-01T00:00:00.000Z', started_at: '2026-01-01T00:00:00.000Z',
    finished_at: null, used_bytes: 10, traceparent: TRACE, ...fields,
  };
}

function step(runId: string, key: string, fields: Partial<StepWrite> = {}): StepWrite {
  return {
    run_id: runId, key, step_id: key, agent: 'echo', status: 'queued', attempt: 1, parent_key: null, idx: null, hop: null, input: { k: key },
    output: null, error: null, reason: null, items: null, handoff: null, queued_at: '2026-01-01T00:00:00.000Z', started_at: null,
    finished_at: null, deadline_at: null, next_child: null, children_succeeded: null, prior_attempts: null, held_until: null, ...fields,
  };
}

const event = (runId: string, seq: number): EventWrite => ({ run_id: runId, seq, type: 'step.queued', key: 'a', data: { x: 1 }, at: at('2026-01-01T00:00:00Z') });

/**
 * The contract of the `RunStore` and `RunQueries` ports: every adapter passes it (the Postgres one
 * in kysely-run-store.int.test.ts, the in-memory one in memory-run-store.test.ts).
 */
export function runStoreContract(name: string, open: () => Promise<RunStoreUnderTest>): void {
  describe(`${name} (RunStore and RunQueries contract)`, () => {
    let store: RunStore;
    let queries: RunQueries;
    beforeEach(async () => {
      ({ store, queries } = await open());
    });

    const admit = (runs: NewRun[], steps: StepWrite[] = [], events: ReturnType<typeof event>[] = []) =>
      store.transaction((tx) => tx.insertRuns({ runs, steps, events }));

    test('an admitted run reads back as written: heads without the definition, version 0, times as dates', async () => {
      const run = newRun({ input: { b: 2, a: [1, 'x'] }, allowed_agents: ['echo', 'http'] });
      await admit([run], [step(run.id, 'a')], [event(run.id, 1)]);
      const [head] = await store.heads([run.id]);
      expect(head).toEqual({
        id: run.id, tenant: run.tenant, status: 'running', workflow_name: 'wf', template: null, template_version: null, definition_hash: 'h',
        input: { a: [1, 'x'], b: 2 }, output: null, error: null, context: {}, priority: 5, version: 0, event_seq: 1, submitted_by: 'key-1',
        created_at: at(run.created_at), started_at: at(run.started_at!), finished_at: null, used_bytes: 10, traceparent: TRACE, allowed_agents: ['echo', 'http'], signals: null, usage: null, paused_by: null, forked_from: null, forked_from_step: null,
      });
      expect(await store.definitions([run.id])).toEqual(new Map([[run.id, run.definition]]));
      expect(await store.steps([run.id])).toEqual([expect.objectContaining({ run_id: run.id, key: 'a', input: { k: 'a' }, queued_at: at('2026-01-01T00:00:00Z'), requeues: 0 })]);
      expect(await store.heads([randomUUID()])).toEqual([]);
      expect(await store.heads([])).toEqual([]);
    });

    test('a transaction that throws stores nothing', async () => {
      const run = newRun();
      await expect(store.transaction(async (tx) => {
        await tx.insertRuns({ runs: [run], steps: [step(run.id, 'a')], events: [] });
        throw new Error('changed my mind');
      })).rejects.toThrow('changed my mind');
      expect(await store.heads([run.id])).toEqual([]);
      expect(await store.steps([run.id])).toEqual([]);
    });

    test('a value Postgres cannot store is refused with VALUE_NOT_STORABLE, and nothing of its batch is stored', async () => {
      const good = newRun();
      const bad = newRun({ input: { s: 'a\u0000b' } });
      await expect(admit([good, bad])).rejects.toMatchObject({ code: 'VALUE_NOT_STORABLE' });
      expect(await store.heads([good.id, bad.id])).toEqual([]);
      const run = newRun();
      await admit([run]);
      await expect(store.putPayloads([{ id: randomUUID(), runId: run.id, json: JSON.stringify({ s: '\ud800' }) }], new Date())).rejects.toThrow();
    });

    test('lock answers the heads in id order and skips unknown ids', async () => {
      const runs = [newRun(), newRun(), newRun()];
      await admit(runs);
      const ids = runs.map((r) => r.id);
      const locked = await store.transaction((tx) => tx.lock([...ids, randomUUID()].reverse()));
      expect(locked.map((h) => h.id)).toEqual([...ids].sort());
      expect(await store.transaction((tx) => tx.lock([]))).toEqual([]);
    });

    test('a run locked by one transaction is read by the next one as that one committed it', async () => {
      const run = newRun();
      await admit([run]);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const first = store.transaction(async (tx) => {
        await tx.lock([run.id]);
        locked();
        await gate;
        await tx.writeTransitions({ steps: [], runs: [{ id: run.id, status: 'succeeded', output: { done: true }, error: null, context: {}, started_at: null, finished_at: null, event_seq: 1, used_bytes: 10 }], events: [] });
      });
      await holding;
      const second = store.transaction(async (tx) => (await tx.lock([run.id]))[0]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await first;
      expect(await second).toMatchObject({ status: 'succeeded', output: { done: true }, version: 1 });
    });

    test('writeTransitions updates steps and runs, bumps version, appends events; a requeue count lives as long as its attempt', async () => {
      const run = newRun();
      await admit([run], [step(run.id, 'a'), step(run.id, 'b')], [event(run.id, 1)]);
      expect(await store.countRequeues([{ runId: run.id, key: 'a', attempt: 1 }, { runId: run.id, key: 'b', attempt: 2 }])).toBe(1);
      const update = { id: run.id, status: 'running', output: null, error: null, context: { c: 1 }, started_at: run.started_at, finished_at: null, event_seq: 3, used_bytes: 20 };
      await store.transaction((tx) => tx.writeTransitions({
        steps: [step(run.id, 'a', { status: 'running', started_at: '2026-01-01T00:00:01.000Z' }), step(run.id, 'b', { attempt: 2, status: 'queued' })],
        runs: [update],
        events: [event(run.id, 2), event(run.id, 3)],
      }));
      const steps = new Map((await store.steps([run.id])).map((s) => [s.key, s]));
      expect(steps.get('a')).toMatchObject({ status: 'running', attempt: 1, requeues: 1, started_at: at('2026-01-01T00:00:01Z') });
      expect(steps.get('b')).toMatchObject({ status: 'queued', attempt: 2, requeues: 0 });
      expect((await store.heads([run.id]))[0]).toMatchObject({ context: { c: 1 }, event_seq: 3, used_bytes: 20, version: 1 });
      await store.transaction((tx) => tx.writeTransitions({ steps: [step(run.id, 'a', { attempt: 2 })], runs: [update], events: [] }));
      expect((await store.steps([run.id])).find((s) => s.key === 'a')).toMatchObject({ attempt: 2, requeues: 0 });
      expect((await store.heads([run.id]))[0]!.version).toBe(2);
      // An event number is taken once.
      await expect(store.transaction((tx) => tx.writeTransitions({ steps: [], runs: [], events: [event(run.id, 3)] }))).rejects.toThrow();
    });

    test('idempotency keys: the first claim holds a key, within one call and across calls, per tenant', async () => {
      // One claim per run: a run is the submission that claims its key.
      const [r1, r2, r3, r4, r5] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      const tenant = `t-${randomUUID()}`;
      const claim = (runId: string, key: string, bodyHash: string, t = tenant) => ({ tenant: t, key, body_hash: bodyHash, run_id: runId, created_at: '2026-01-01T00:00:00.000Z' });
      const first = await store.transaction((tx) => tx.claimIdempotencyKeys([claim(r1, 'k', 'h1'), claim(r2, 'k', 'h2'), claim(r3, 'other', 'h3')]));
      expect(first).toEqual([{ tenant, key: 'k', bodyHash: 'h1', runId: r1 }]);
      const again = await store.transaction((tx) => tx.claimIdempotencyKeys([claim(r4, 'other', 'h4'), claim(r5, 'k', 'h5', `t-${randomUUID()}`)]));
      expect(again).toEqual([{ tenant, key: 'other', bodyHash: 'h3', runId: r3 }]);
      expect(await store.transaction((tx) => tx.claimIdempotencyKeys([]))).toEqual([]);
    });

    test('stored values: put once per run that exists, read by id, unknown ids absent', async () => {
      const run = newRun();
      await admit([run]);
      const id = randomUUID();
      await store.putPayloads([{ id, runId: run.id, json: JSON.stringify({ big: 'x'.repeat(100) }) }], new Date());
      expect(await store.payloads([id, randomUUID()])).toEqual(new Map([[id, { big: 'x'.repeat(100) }]]));
      expect(await store.transaction((tx) => tx.payloads([id]))).toEqual(new Map([[id, { big: 'x'.repeat(100) }]]));
      expect(await store.payloads([])).toEqual(new Map());
      await expect(store.putPayloads([{ id: randomUUID(), runId: randomUUID(), json: '1' }], new Date())).rejects.toThrow();
    });

    test('liveSteps: queued or running attempts with a job of their own, queued before the time, oldest first, at most `limit`', async () => {
      const run = newRun();
      // Times of their own (1990): other tests' steps are newer.
      const t = (s: number) => new Date(Date.UTC(1990, 0, 1, 0, 0, s)).toISOString();
      await admit([run], [
        step(run.id, 'late', { queued_at: t(3) }),
        step(run.id, 'early', { queued_at: t(1), status: 'running', deadline_at: t(9) }),
        step(run.id, 'done', { queued_at: t(1), status: 'succeeded' }),
        step(run.id, 'parent', { queued_at: t(1), agent: null }),
        step(run.id, 'handing', { queued_at: t(1), handoff: { to: 'b' } }),
        step(run.id, 'pending', { queued_at: null, status: 'pending' }),
        step(run.id, 'future', { queued_at: t(50) }),
        // held by its paused run: no job until the run resumes, nothing to repair
        step(run.id, 'held', { queued_at: t(1), held_until: t(2) }),
      ]);
      const live = await store.liveSteps(new Date(t(10)), 10);
      expect(live).toEqual([
        { run_id: run.id, key: 'early', agent: 'echo', status: 'running', attempt: 1, queued_at: new Date(t(1)), deadline_at: new Date(t(9)), requeues: 0 },
        { run_id: run.id, key: 'late', agent: 'echo', status: 'queued', attempt: 1, queued_at: new Date(t(3)), deadline_at: null, requeues: 0 },
      ]);
      expect((await store.liveSteps(new Date(t(10)), 1)).map((s) => s.key)).toEqual(['early']);
      expect(await store.countRequeues([{ runId: run.id, key: 'done', attempt: 1 }, { runId: run.id, key: 'late', attempt: 1 }])).toBe(1);
      expect(await store.countRequeues([])).toBe(0);
      // Given the count it saw, a second reconciler does not count the same loss again.
      expect(await store.countRequeues([{ runId: run.id, key: 'late', attempt: 1, requeues: 1 }])).toBe(1);
      expect(await store.countRequeues([{ runId: run.id, key: 'late', attempt: 1, requeues: 1 }])).toBe(0);
      expect((await store.liveSteps(new Date(t(10)), 10)).find((s) => s.key === 'late')!.requeues).toBe(2);
    });

    test('expiredWaits: waiting attempts whose deadline is before the time, earliest first, at most `limit`', async () => {
      const run = newRun();
      // Times of their own (1980): other tests' steps are newer.
      const t = (s: number) => new Date(Date.UTC(1980, 0, 1, 0, 0, s)).toISOString();
      await admit([run], [
        step(run.id, 'late', { status: 'waiting', agent: 'wait', attempt: 2, queued_at: null, deadline_at: t(5) }),
        step(run.id, 'early', { status: 'waiting', agent: 'wait', queued_at: null, deadline_at: t(1) }),
        step(run.id, 'forever', { status: 'waiting', agent: 'wait', queued_at: null }),
        step(run.id, 'future', { status: 'waiting', agent: 'wait', queued_at: null, deadline_at: t(50) }),
        step(run.id, 'running', { status: 'running', deadline_at: t(1) }),
        step(run.id, 'done', { status: 'failed', agent: 'wait', deadline_at: t(1) }),
      ]);
      expect(await store.expiredWaits(new Date(t(10)), 10)).toEqual([
        { run_id: run.id, key: 'early', attempt: 1 },
        { run_id: run.id, key: 'late', attempt: 2 },
      ]);
      expect(await store.expiredWaits(new Date(t(10)), 1)).toEqual([{ run_id: run.id, key: 'early', attempt: 1 }]);
      // A kept signal is written with its run, and an absent one clears it.
      const update = { id: run.id, status: 'running', output: null, error: null, context: {}, started_at: run.started_at, finished_at: null, event_seq: 1, used_bytes: 10 };
      expect((await store.heads([run.id]))[0]!.signals).toBeNull();
      await store.transaction((tx) => tx.writeTransitions({ steps: [], runs: [{ ...update, signals: { approve: { by: 'ada' } } }], events: [] }));
      expect((await store.heads([run.id]))[0]!.signals).toEqual({ approve: { by: 'ada' } });
      await store.transaction((tx) => tx.writeTransitions({ steps: [], runs: [update], events: [] }));
      expect((await store.heads([run.id]))[0]!.signals).toBeNull();
    });

    test('queries read within one tenant: another tenant\'s run, entries and values are absent', async () => {
      const mine = newRun();
      const theirs = newRun();
      await admit([mine, theirs], [step(mine.id, 'a'), step(theirs.id, 'a')]);
      const [p1, p2] = [randomUUID(), randomUUID()];
      await store.putPayloads([{ id: p1, runId: mine.id, json: '"mine"' }, { id: p2, runId: theirs.id, json: '"theirs"' }], new Date());
      expect(await queries.run(mine.tenant, mine.id)).toMatchObject({ id: mine.id, definition: mine.definition, submitted_by: 'key-1' });
      expect(await queries.run(mine.tenant, theirs.id)).toBeUndefined();
      expect(await queries.run(mine.tenant, 'not-a-uuid')).toBeUndefined();
      expect((await queries.steps(mine.tenant, mine.id)).map((s) => s.key)).toEqual(['a']);
      expect(await queries.steps(mine.tenant, theirs.id)).toEqual([]);
      expect(await queries.steps(mine.tenant, 'not-a-uuid')).toEqual([]);
      expect(await queries.payloads(mine.tenant, [p1, p2, 'nope', p1])).toEqual(new Map([[p1, 'mine']]));
      expect(await queries.payloads(mine.tenant, [])).toEqual(new Map());
    });

    test('history: the run\'s events after a sequence number, in order, at most `limit`, with its status and last number; another tenant\'s run is absent', async () => {
      const run = newRun({ event_seq: 2 });
      await admit([run], [], [event(run.id, 2), { ...event(run.id, 1), type: 'run.queued', key: null, data: null }]);
      const update = { id: run.id, status: 'succeeded', output: null, error: null, context: {}, started_at: run.started_at, finished_at: null, event_seq: 3, used_bytes: 10 };
      await store.transaction((tx) => tx.writeTransitions({ steps: [], runs: [update], events: [{ ...event(run.id, 3), type: 'run.succeeded', key: null }] }));
      expect(await queries.history(run.tenant, run.id, 0, 2)).toEqual({
        status: 'succeeded', lastSeq: 3, events: [
          { seq: 1, type: 'run.queued', key: null, data: null, at: at('2026-01-01T00:00:00Z') },
          { seq: 2, type: 'step.queued', key: 'a', data: { x: 1 }, at: at('2026-01-01T00:00:00Z') },
        ],
      });
      expect((await queries.history(run.tenant, run.id, 2, 10))!.events.map((e) => e.seq)).toEqual([3]);
      expect(await queries.history(run.tenant, run.id, 3, 10)).toEqual({ status: 'succeeded', lastSeq: 3, events: [] });
      expect(await queries.history(`t-${randomUUID()}`, run.id, 0, 10)).toBeUndefined();
      expect(await queries.history(run.tenant, randomUUID(), 0, 10)).toBeUndefined();
      expect(await queries.history(run.tenant, 'not-a-uuid', 0, 10)).toBeUndefined();
    });

    test('list: the tenant\'s runs newest first, filtered by status and by template or workflow name, paged by keyset', async () => {
      const tenant = `t-${randomUUID()}`;
      const runs = [
        newRun({ tenant, created_at: '2026-01-01T00:00:01.000Z', status: 'failed' }),
        newRun({ tenant, created_at: '2026-01-01T00:00:02.000Z', template: 'triage', template_version: 1, workflow_name: 'x' }),
        newRun({ tenant, created_at: '2026-01-01T00:00:02.000Z', workflow_name: 'triage' }),
        newRun({ tenant, created_at: '2026-01-01T00:00:03.000Z' }),
        newRun({ created_at: '2026-01-01T00:00:04.000Z' }),
      ];
      await admit(runs);
      const [, tied1, tied2, newest] = runs;
      const tied = [tied1!, tied2!].sort((a, b) => (a.id < b.id ? 1 : -1));
      const all = await queries.list({ tenant, limit: 10 });
      expect(all.map((r) => r.id)).toEqual([newest!.id, tied[0]!.id, tied[1]!.id, runs[0]!.id]);
      expect(all[0]).not.toHaveProperty('definition');
      expect((await queries.list({ tenant, limit: 10, status: 'failed' })).map((r) => r.id)).toEqual([runs[0]!.id]);
      expect((await queries.list({ tenant, limit: 10, template: 'triage' })).map((r) => r.id).sort()).toEqual([tied1!.id, tied2!.id].sort());
      const page1 = await queries.list({ tenant, limit: 2 });
      const last = page1[1]!;
      const page2 = await queries.list({ tenant, limit: 2, after: { createdAt: last.created_at, id: last.id } });
      expect([...page1, ...page2].map((r) => r.id)).toEqual(all.map((r) => r.id));
    });
  });
}
