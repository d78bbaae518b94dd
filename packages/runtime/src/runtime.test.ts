import { isPayloadRef } from '@baton/engine';
import { SUBWORKFLOW_UNAVAILABLE } from './child-runs';
import { MemoryRunStore } from './memory-run-store.test-helper';
import { chain, runtimeFixture, workflowOf } from './runtime-fixture.test-helper';

const succeeded = (key: string, output: unknown, attempt = 1) => ({ type: 'step.succeeded' as const, key, attempt, output });

describe('submit', () => {
  test('records the run with its steps and enqueues the ready ones after the commit', async () => {
    const { runtime, dispatcher, read } = runtimeFixture();
    const result = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: { x: 1 }, priority: 7, submittedBy: 'alice' });
    expect(result).toMatchObject({ created: true, status: 'queued' });
    const { run, steps } = await read(result.id);
    expect(run).toMatchObject({ tenant: 't', status: 'queued', workflow_name: 'c', input: { x: 1 }, priority: 7, submitted_by: 'alice', event_seq: expect.any(Number) });
    expect([...steps.values()].map((s) => `${s.key}:${s.status}`).sort()).toEqual(['s0:queued', 's1:pending']);
    expect(dispatcher.enqueued).toEqual([{
      job: { runId: result.id, key: 's0', attempt: 1, agent: 'echo', input: { i: 0 }, timeoutMs: undefined, context: {}, tenant: 't' },
      priority: 7,
      delayMs: 0,
    }]);
  });

  test('an Idempotency-Key returns the run it made for the same body, and is a conflict for another', async () => {
    const { runtime, dispatcher } = runtimeFixture();
    const workflow = chain('idem', 1);
    const idempotency = { key: 'k1', bodyHash: 'h1' };
    // Pushed in one tick: duplicates within one admission batch.
    const [a, b] = await Promise.all([runtime.submit({ tenant: 't', workflow, input: {}, idempotency }), runtime.submit({ tenant: 't', workflow, input: {}, idempotency })]);
    expect(b).toEqual({ id: a.id, status: a.status, created: false });
    // And in a later batch.
    expect(await runtime.submit({ tenant: 't', workflow, input: {}, idempotency })).toEqual({ id: a.id, status: 'queued', created: false });
    await expect(runtime.submit({ tenant: 't', workflow, input: {}, idempotency: { key: 'k1', bodyHash: 'h2' } })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    // Another tenant's key of the same name is another key.
    expect(await runtime.submit({ tenant: 'u', workflow, input: {}, idempotency })).toMatchObject({ created: true });
    expect(dispatcher.enqueued).toHaveLength(2);
  });

  test('a submission holding text that cannot be stored is a 400 naming it; its batch mates are admitted', async () => {
    const { runtime, read } = runtimeFixture();
    const workflow = chain('mixed', 1);
    const results = await Promise.allSettled([
      runtime.submit({ tenant: 't', workflow, input: { n: 1 } }),
      runtime.submit({ tenant: 't', workflow, input: { s: 'a\u0000' } }),
      runtime.submit({ tenant: 't', workflow, input: { n: 2 } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'input.s' }] });
    for (const r of results) if (r.status === 'fulfilled') expect((await read(r.value.id)).run?.status).toBe('queued');
  });

  test('a first decision past a limit is refused, and nothing is stored', async () => {
    const { runtime, store } = runtimeFixture({ limits: { maxForEachItems: 2 } });
    const workflow = workflowOf({ name: 'wide', steps: [{ id: 'each', agent: 'echo', forEach: '{{ $input.items }}' }] });
    await expect(runtime.submit({ tenant: 't', workflow, input: { items: [1, 2, 3] } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.queries().list({ tenant: 't', limit: 10 })).toEqual([]);
  });

  test('a large step input travels by reference, stored once, and is hydrated back', async () => {
    const { runtime, dispatcher } = runtimeFixture({ payloadThresholdBytes: 1000 });
    const workflow = workflowOf({ name: 'big', steps: [{ id: 'a', agent: 'echo', input: { big: '{{ $input.big }}' } }] });
    const big = 'x'.repeat(5000);
    await runtime.submit({ tenant: 't', workflow, input: { big } });
    const input = dispatcher.enqueued[0]!.job.input as { big: unknown };
    expect(isPayloadRef(input.big)).toBe(true);
    expect(await runtime.hydrate(input)).toEqual({ big });
  });
});

describe('apply', () => {
  test('results advance the run to its end: the next steps are enqueued, the finished run is announced', async () => {
    const { runtime, dispatcher, finished, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {} });
    await runtime.apply(id, { type: 'step.started', key: 's0', attempt: 1 });
    await runtime.apply(id, succeeded('s0', { a: 1 }));
    expect(dispatcher.keys(id)).toEqual(['s0#1', 's1#1']);
    await runtime.apply(id, succeeded('s1', { b: 2 }));
    const { run } = await read(id);
    expect(run).toMatchObject({ status: 'succeeded', output: { s1: { b: 2 } } });
    expect(finished).toEqual([{ runId: id, tenant: 't', status: 'succeeded' }]);
  });

  test('a duplicate result, a stale attempt and an unknown run change nothing', async () => {
    const { runtime, read } = runtimeFixture();
    const workflow = workflowOf({ name: 'fenced', steps: [{ id: 'a', agent: 'echo', retry: { attempts: 3 } }] });
    const { id } = await runtime.submit({ tenant: 't', workflow, input: {} });
    await runtime.apply(id, { type: 'step.failed', key: 'a', attempt: 1, retryable: true, error: { code: 'AGENT_ERROR', message: 'x' } });
    const before = await read(id);
    await runtime.apply(id, succeeded('a', 'late', 1));
    await runtime.apply('7b0c8a5e-0000-4000-8000-000000000000', succeeded('a', 'nobody'));
    expect(await read(id)).toEqual(before);
    await runtime.apply(id, succeeded('a', 'ok', 2));
    await runtime.apply(id, succeeded('a', 'twice', 2));
    expect((await read(id)).steps.get('a')).toMatchObject({ status: 'succeeded', output: 'ok' });
  });

  test('a large output is offloaded by the worker and read by the next step\'s expression as the value', async () => {
    const { runtime, dispatcher, store } = runtimeFixture({ payloadThresholdBytes: 1000 });
    const workflow = workflowOf({
      name: 'pass', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo', needs: ['a'], input: { n: '{{ $length($steps.a.output.text) }}' } }],
    });
    const { id } = await runtime.submit({ tenant: 't', workflow, input: {} });
    const output = await runtime.offload(id, { text: 'y'.repeat(3000) });
    expect(isPayloadRef(output)).toBe(true);
    expect(await runtime.offload(id, { small: true })).toEqual({ small: true });
    await runtime.apply(id, succeeded('a', output));
    expect(dispatcher.enqueued.find((j) => j.job.key === 'b')?.job.input).toEqual({ n: 3000 });
    // A second runtime (another process) loads the stored value from the store, not from a cache.
    const other = runtimeFixture({ store, payloadThresholdBytes: 1000 });
    await other.runtime.apply(id, succeeded('b', { done: true }));
    expect((await other.read(id)).run).toMatchObject({ status: 'succeeded' });
  });

  test('states cached by one runtime are reloaded once another has changed the run', async () => {
    const store = new MemoryRunStore();
    const [a, b] = [runtimeFixture({ store }), runtimeFixture({ store })];
    const { id } = await a.runtime.submit({ tenant: 't', workflow: chain('two', 3), input: {} });
    await a.runtime.apply(id, succeeded('s0', 0));
    await b.runtime.apply(id, succeeded('s1', 1));
    await a.runtime.apply(id, succeeded('s2', 2));
    expect((await a.read(id)).run).toMatchObject({ status: 'succeeded', output: { s2: 2 } });
  });

  test('a result that cannot be stored fails alone; the others of its batch commit', async () => {
    const { runtime, read } = runtimeFixture();
    const workflow = chain('results', 1);
    const ids = await Promise.all([0, 1, 2].map(() => runtime.submit({ tenant: 't', workflow, input: {} }).then((r) => r.id)));
    const results = await Promise.allSettled(ids.map((id, n) => runtime.apply(id, succeeded('s0', n === 1 ? { s: '\ud800' } : { n }))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await read(ids[1]!)).run?.status).toBe('queued');
    expect((await read(ids[2]!)).run?.status).toBe('succeeded');
  });

  test('when dispatch fails the state stays committed and the failure is logged for the reconciler', async () => {
    const { runtime, dispatcher, logger, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {} });
    dispatcher.failing = true;
    await runtime.apply(id, succeeded('s0', 0));
    await runtime.drain();
    expect((await read(id)).steps.get('s1')?.status).toBe('queued');
    expect(logger.lines.map(([level, message]) => `${level}: ${message}`)).toContain('warn: dispatch failed; the reconciler will re-enqueue');
  });
});

describe('cancel and retry', () => {
  test('cancel reaches a run of the tenant only; its queued job is cancelled', async () => {
    const { runtime, dispatcher, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {} });
    await runtime.cancel('other-tenant', id);
    expect((await read(id)).run?.status).toBe('queued');
    await runtime.cancel('t', id);
    await runtime.drain();
    expect((await read(id)).run?.status).toBe('cancelled');
    expect(dispatcher.cancelled).toEqual([{ runId: id, key: 's0', attempt: 1, agent: 'echo' }]);
  });

  test('retry runs the failed steps of a failed run of the tenant again', async () => {
    const { runtime, dispatcher, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 1), input: {} });
    await runtime.apply(id, { type: 'step.failed', key: 's0', attempt: 1, retryable: false, error: { code: 'AGENT_ERROR', message: 'no' } });
    expect((await read(id)).run?.status).toBe('failed');
    await runtime.retry('other-tenant', id);
    expect((await read(id)).run?.status).toBe('failed');
    await runtime.retry('t', id);
    expect((await read(id)).run?.status).toBe('running');
    expect(dispatcher.keys(id)).toEqual(['s0#1', 's0#2']);
  });
});

describe('sub-workflow steps (not available yet)', () => {
  // Validation refuses `workflow:` steps; the runtime must not depend on it.
  const definition = (first: 'agent' | 'workflow') => ({
    name: 'parent',
    steps: [
      first === 'agent' ? { id: 'a', agent: 'echo', needs: [], onFailure: 'fail' as const } : { id: 'a', workflow: 'child', needs: [], onFailure: 'fail' as const },
      { id: 'b', workflow: 'child', needs: ['a'], onFailure: 'fail' as const },
    ],
  });

  test('a run that starts with one fails that step at once, and starts no child', async () => {
    const { runtime, dispatcher, finished, read } = runtimeFixture();
    const { id, status } = await runtime.submit({ tenant: 't', workflow: definition('workflow'), input: {} });
    expect(status).toBe('failed');
    const { run, steps } = await read(id);
    expect(steps.get('a')).toMatchObject({ status: 'failed', error: { code: SUBWORKFLOW_UNAVAILABLE, message: 'sub-workflows are not configured: step a would start workflow child' } });
    expect(run).toMatchObject({ status: 'failed', error: { code: SUBWORKFLOW_UNAVAILABLE, step: 'a' } });
    expect(dispatcher.enqueued).toEqual([]);
    expect(finished).toEqual([{ runId: id, tenant: 't', status: 'failed' }]);
  });

  test('one reached later fails in the transaction that reached it', async () => {
    const { runtime, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: definition('agent'), input: {} });
    await runtime.apply(id, succeeded('a', 1));
    const { run, steps } = await read(id);
    expect(steps.get('b')).toMatchObject({ status: 'failed', attempt: 1, error: { code: SUBWORKFLOW_UNAVAILABLE } });
    expect(run?.status).toBe('failed');
  });
});

describe('the reconciler\'s methods', () => {
  test('liveSteps, countRequeues and requeue: the same job again, counted per attempt', async () => {
    const { runtime, dispatcher } = runtimeFixture();
    const workflow = workflowOf({ name: 'ctx', steps: [{ id: 'a', agent: 'echo', timeoutMs: 5000, input: { x: '{{ $input.x }}' } }] });
    const { id } = await runtime.submit({ tenant: 't', workflow, input: { x: 3 }, priority: 2 });
    const live = await runtime.liveSteps(new Date(Date.now() + 60_000), 10);
    expect(live).toEqual([expect.objectContaining({ run_id: id, key: 'a', attempt: 1, requeues: 0 })]);
    expect(await runtime.countRequeues([{ runId: id, key: 'a', attempt: 1 }])).toBe(1);
    expect(await runtime.requeue([{ runId: id, key: 'a', attempt: 1 }, { runId: id, key: 'gone', attempt: 1 }])).toBe(1);
    expect(dispatcher.enqueued[1]).toEqual(dispatcher.enqueued[0]);
    expect(await runtime.requeue([])).toBe(0);
    expect((await runtime.liveSteps(new Date(Date.now() + 60_000), 10))[0]!.requeues).toBe(1);
    // Finished since the reconciler looked: not run again.
    await runtime.apply(id, { type: 'step.succeeded', key: 'a', attempt: 1, output: 1 });
    expect(await runtime.requeue([{ runId: id, key: 'a', attempt: 1 }])).toBe(0);
    expect(dispatcher.enqueued).toHaveLength(2);
  });
});

describe('pause, resume and re-run', () => {
  test('a pause withdraws the queued job and holds it, the reconciler\'s worklist leaves it alone, and the resume enqueues the same attempt', async () => {
    const { runtime, dispatcher, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 2), input: {} });
    expect(await runtime.pause('other-tenant', id, 'mallory')).toBe(false);
    expect(await runtime.pause('t', id, 'ops-1')).toBe(true);
    expect(await runtime.pause('t', id, 'ops-1')).toBe(false);
    await runtime.drain();
    expect(dispatcher.withdrawn).toEqual([{ runId: id, key: 's0', attempt: 1, agent: 'echo' }]);
    const paused = await read(id);
    expect(paused.run).toMatchObject({ status: 'paused', paused_by: 'ops-1' });
    expect(paused.steps.get('s0')).toMatchObject({ status: 'queued', attempt: 1 });
    expect(paused.steps.get('s0')?.held_until).not.toBeNull();
    expect(await runtime.liveSteps(new Date(Date.now() + 60_000), 10)).toEqual([]);

    expect(await runtime.resume('t', id, 'ops-2')).toBe(true);
    await runtime.drain();
    expect(dispatcher.keys(id)).toEqual(['s0#1', 's0#1']);
    expect((await read(id)).run).toMatchObject({ status: 'queued', paused_by: null });
    expect((await read(id)).steps.get('s0')?.held_until).toBeNull();
  });

  test('a re-run of a finished run starts its step again with the edited input; one of a run going on changes nothing', async () => {
    const { runtime, dispatcher, read } = runtimeFixture();
    const { id } = await runtime.submit({ tenant: 't', workflow: chain('c', 1), input: {} });
    expect(await runtime.rerun('t', id, 's0', undefined, 'ops-1')).toBe(false);
    await runtime.apply(id, succeeded('s0', 'first'));
    expect(await runtime.rerun('t', id, 's0', { edited: true }, 'ops-1')).toBe(true);
    await runtime.drain();
    expect(dispatcher.enqueued.at(-1)).toMatchObject({ job: { key: 's0', attempt: 2, input: { edited: true } } });
    expect((await read(id)).run?.status).toBe('running');
  });
});
