import { Reconciler } from '../reconciler';
import { cancelRun } from './cancel-run';
import { getRun } from './get-run';
import { signalRun } from './signal-run';
import { submitRun } from './submit-run';
import { callers, useCaseFixture } from './use-cases-fixture.test-helper';

const approval = (signal = 'approve', extra: Record<string, unknown> = {}) => ({
  name: 'approval',
  steps: [
    { id: 'draft', agent: 'echo', input: { text: 'refund 20 EUR' } },
    { id: 'approve', agent: 'wait', needs: ['draft'], input: { signal, ...extra } },
    { id: 'pay', agent: 'echo', needs: ['approve'], input: '{{ $steps.approve.output }}' },
  ],
});

test('a signal resumes the waiting step with its payload; no job was ever enqueued for the wait', async () => {
  const { deps, runtime, dispatcher, read } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: approval() });
  await runtime.apply(id, { type: 'step.succeeded', key: 'draft', attempt: 1, output: 'ok' });
  await runtime.drain();
  expect((await read(id)).steps.get('approve')).toMatchObject({ status: 'waiting', agent: 'wait', attempt: 1, input: { signal: 'approve' } });
  expect((await getRun(deps, callers.viewer, { id })).steps.find((s) => s.id === 'approve')).toMatchObject({ status: 'waiting' });
  // Any submitter of the tenant may approve, not only the run's.
  expect(await signalRun(deps, callers.otherSubmitter, { id, name: 'approve', payload: { by: 'bob' } })).toEqual({ id, signal: 'approve' });
  await runtime.drain();
  expect((await read(id)).steps.get('approve')).toMatchObject({ status: 'succeeded', output: { by: 'bob' } });
  expect(dispatcher.enqueued.map((j) => j.job.key)).toEqual(['draft', 'pay']);
  expect(dispatcher.enqueued[1]!.job.input).toEqual({ by: 'bob' });
  // Taken once: the second is a 404.
  await expect(signalRun(deps, callers.submitter, { id, name: 'approve', payload: 1 })).rejects.toMatchObject({ code: 'SIGNAL_NOT_FOUND' });
});

test('a signal that comes before its step waits is kept and delivered when it does; a second one is refused', async () => {
  const { deps, runtime, read } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: approval() });
  await signalRun(deps, callers.submitter, { id, name: 'approve', payload: 'yes' });
  await expect(signalRun(deps, callers.submitter, { id, name: 'approve', payload: 'again' })).rejects.toMatchObject({
    code: 'SIGNAL_NOT_FOUND',
    message: `no step of run ${id} waits for signal approve: it has no unfinished wait step that may wait for it (a signal is taken once, and one kept early must fit in the run)`,
  });
  expect((await read(id)).run?.signals).toEqual({ approve: 'yes' });
  await runtime.apply(id, { type: 'step.succeeded', key: 'draft', attempt: 1, output: 'ok' });
  await runtime.drain();
  const { run, steps } = await read(id);
  expect(steps.get('approve')).toMatchObject({ status: 'succeeded', output: 'yes' });
  expect(steps.get('pay')).toMatchObject({ status: 'queued', input: 'yes' });
  expect(run?.signals).toBeNull();
});

test('a large payload is stored once and reaches the next step as the value', async () => {
  const { deps, runtime, read, store, dispatcher } = useCaseFixture({ payloadThresholdBytes: 100 });
  const { id } = await submitRun(deps, callers.submitter, { workflow: approval() });
  const big = { note: 'x'.repeat(500) };
  await signalRun(deps, callers.submitter, { id, name: 'approve', payload: big });
  await runtime.apply(id, { type: 'step.succeeded', key: 'draft', attempt: 1, output: 'ok' });
  await runtime.drain();
  const output = (await read(id)).steps.get('approve')!.output as { $batonPayload: string };
  expect(output).toEqual({ $batonPayload: expect.any(String), bytes: JSON.stringify(big).length });
  expect(await store.payloads([output.$batonPayload])).toEqual(new Map([[output.$batonPayload, big]]));
  expect(await runtime.hydrate(dispatcher.enqueued.find((j) => j.job.key === 'pay')!.job.input)).toEqual(big);
});

test('refused: a bad name, unstorable text, another tenant\'s run, a finished run, a run with no such wait, a viewer', async () => {
  const { deps, read } = useCaseFixture();
  const { id } = await submitRun(deps, callers.submitter, { workflow: approval() });
  await expect(signalRun(deps, callers.submitter, { id, name: '__proto__', payload: null })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED', details: [{ path: 'name', message: 'must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}' }],
  });
  await expect(signalRun(deps, callers.submitter, { id, name: 'approve', payload: { a: 'x\u0000' } })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED', details: [{ path: 'payload.a', message: expect.stringContaining('\\u0000') }],
  });
  await expect(signalRun(deps, callers.stranger, { id, name: 'approve', payload: null })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  await expect(signalRun(deps, callers.viewer, { id, name: 'approve', payload: null })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(signalRun(deps, callers.submitter, { id, name: 'reject', payload: null })).rejects.toMatchObject({ code: 'SIGNAL_NOT_FOUND' });
  expect((await read(id)).run?.signals).toBeNull();
  await cancelRun(deps, callers.submitter, { id });
  await expect(signalRun(deps, callers.submitter, { id, name: 'approve', payload: null })).rejects.toMatchObject({
    code: 'SIGNAL_NOT_FOUND', message: `no step of run ${id} waits for signal approve: the run is cancelled`,
  });
});

test('the reconciler times a wait out past its timeoutMs, and leaves a waiting step without a deadline alone', async () => {
  const { deps, runtime, read, logger } = useCaseFixture();
  const presence = { held: async () => [], release: async () => undefined };
  const reconciler = new Reconciler({ runtime, presence, logger, settleMs: 0 });
  const timed = (await submitRun(deps, callers.submitter, { workflow: approval('approve', { timeoutMs: 1000 }) })).id;
  const forever = (await submitRun(deps, callers.submitter, { workflow: approval() })).id;
  for (const id of [timed, forever]) await runtime.apply(id, { type: 'step.succeeded', key: 'draft', attempt: 1, output: 'ok' });
  await runtime.drain();
  await reconciler.tick(new Date(Date.now() + 500));
  expect((await read(timed)).steps.get('approve')?.status).toBe('waiting');
  expect(await reconciler.tick(new Date(Date.now() + 60_000))).toEqual({ timedOut: 0, requeued: 0, lost: 0 });
  await runtime.drain();
  expect((await read(timed)).steps.get('approve')).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT', message: 'step approve: no signal approve came within 1000 ms' } });
  expect((await read(timed)).run?.status).toBe('failed');
  expect((await read(forever)).steps.get('approve')?.status).toBe('waiting');
});
