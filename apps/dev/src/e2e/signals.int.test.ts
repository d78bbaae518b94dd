import { BatonHarness, type RunView } from '../testing/baton-harness';
import { startRedis, waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

/** Polls the run until its entry `key` has `status`. */
async function untilStep(baton: BatonHarness, id: string, key: string, status: string, timeoutMs = 20_000): Promise<RunView> {
  let run: RunView | undefined;
  await waitFor(async () => {
    run = await baton.run(id);
    return run.steps.find((s) => s.key === key)?.status === status;
  }, timeoutMs, `step ${key} of run ${id} did not become ${status}: ${JSON.stringify(run?.steps.map((s) => `${s.key}:${s.status}`))}`);
  return run!;
}

const step = (run: RunView, key: string) => run.steps.find((s) => s.key === key);

describe('wait and signals, through HTTP', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ reconcileEveryMs: 300 });
  });
  afterAll(async () => {
    await baton?.close();
  });

  test('a signal that comes before its step waits is kept, then resumes it; any JSON is a payload, an empty body is null', async () => {
    const id = await baton.submit({
      name: 'early-signal',
      steps: [
        { id: 'prepare', agent: 'delay', input: { ms: 800, value: 'drafted' } },
        { id: 'approve', agent: 'wait', needs: ['prepare'], input: { signal: 'approve' } },
        { id: 'ack', agent: 'wait', needs: ['approve'], input: { signal: 'ack', timeoutMs: 60_000 } },
      ],
      output: '{{ { "approval": $steps.approve.output, "ack": $steps.ack.output } }}',
    });
    // A bare JSON scalar, before the step waits.
    const early = await baton.request('POST', `/v1/runs/${id}/signals/approve`, 'yes');
    expect(early).toEqual({ status: 202, body: { id, signal: 'approve' } });
    expect((await baton.request('POST', `/v1/runs/${id}/signals/approve`, 'twice')).body.error.code).toBe('SIGNAL_NOT_FOUND');
    const waiting = await untilStep(baton, id, 'ack', 'waiting');
    expect(step(waiting, 'approve')).toMatchObject({ status: 'succeeded', output: 'yes', agent: 'wait', attempts: 1 });
    expect(waiting.status).toBe('running');
    expect((await baton.request('POST', `/v1/runs/${id}/signals/ack`)).status).toBe(202);
    const run = await baton.waitFor(id);
    expect(run).toMatchObject({ status: 'succeeded', output: { approval: 'yes', ack: null } });
  });

  test('a wait past its timeoutMs fails its step with WAIT_TIMEOUT, and a late signal is a 404', async () => {
    const id = await baton.submit({ name: 'timeout', steps: [{ id: 'approve', agent: 'wait', input: { signal: 'approve', timeoutMs: 500 } }] });
    const run = await baton.waitFor(id);
    expect(run).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT', step: 'approve' } });
    expect(step(run, 'approve')).toMatchObject({ status: 'failed', error: { code: 'WAIT_TIMEOUT', message: 'step approve: no signal approve came within 500 ms' } });
    const late = await baton.request('POST', `/v1/runs/${id}/signals/approve`, { ok: true });
    expect(late.status).toBe(404);
    expect(late.body.error).toMatchObject({ code: 'SIGNAL_NOT_FOUND', message: `no step of run ${id} waits for signal approve: the run is failed` });
  });

  test('a signal for a run with no such wait is a 404 that changes nothing; an unknown run and a bad name are refused', async () => {
    const id = await baton.submit({ name: 'no-wait', steps: [{ id: 'slow', agent: 'delay', input: { ms: 500 } }, { id: 'gate', agent: 'wait', needs: ['slow'], input: { signal: 'go' } }] });
    const none = await baton.request('POST', `/v1/runs/${id}/signals/stop`, { why: 'typo' });
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('SIGNAL_NOT_FOUND');
    const unknown = await baton.request('POST', '/v1/runs/00000000-0000-4000-8000-000000000000/signals/go', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('RUN_NOT_FOUND');
    const badName = await baton.request('POST', `/v1/runs/${id}/signals/${encodeURIComponent('a b')}`, {});
    expect(badName.status).toBe(400);
    expect(badName.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'name' }] });
    const unstorable = await baton.request('POST', `/v1/runs/${id}/signals/go`, { note: 'a\u0000b' });
    expect(unstorable.status).toBe(400);
    const yaml = await fetch(`${baton.url}/v1/runs/${id}/signals/go`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: 'ok: true' });
    expect(yaml.status).toBe(415);
    // Nothing was kept: the step waits, then the right signal resumes it.
    await untilStep(baton, id, 'gate', 'waiting');
    expect((await baton.request('POST', `/v1/runs/${id}/signals/go`, { fine: true })).status).toBe(202);
    expect(step(await baton.waitFor(id), 'gate')).toMatchObject({ status: 'succeeded', output: { fine: true } });
  });

  test('cancelling a run cancels its waiting step', async () => {
    const id = await baton.submit({ name: 'cancel-wait', steps: [{ id: 'approve', agent: 'wait', input: { signal: 'approve', timeoutMs: 60_000 } }] });
    const waiting = await untilStep(baton, id, 'approve', 'waiting');
    expect(step(waiting, 'approve')).toMatchObject({ agent: 'wait', attempts: 1, waitingForSignal: { signal: 'approve', timeoutAt: expect.any(String) } });
    expect((await baton.request('POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    const run = await baton.run(id);
    expect(run.status).toBe('cancelled');
    expect(step(run, 'approve')).toMatchObject({ status: 'cancelled' });
    expect((await baton.request('POST', `/v1/runs/${id}/signals/approve`, {})).status).toBe(404);
  });
});

test('a waiting step survives a restart of the api, every worker and Redis (empty after): its timeout still fires and a signal resumes it', async () => {
  const redis = await startRedis();
  const baton = await BatonHarness.start({ redisUrl: redis.url, reconcileEveryMs: 300 });
  try {
    const id = await baton.submit({
      name: 'restarts',
      steps: [
        { id: 'prepare', agent: 'echo', input: { doc: 7 } },
        { id: 'approve', agent: 'wait', needs: ['prepare'], input: { signal: 'approve-{{ $steps.prepare.output.doc }}' } },
        { id: 'remind', agent: 'wait', needs: ['prepare'], input: { signal: 'remind', timeoutMs: 3000 }, onFailure: 'continue' },
        { id: 'ship', agent: 'echo', needs: ['approve', 'remind'], input: { approval: '{{ $steps.approve.output }}', reminder: '{{ $steps.remind.status }}' } },
      ],
    });
    const waiting = await untilStep(baton, id, 'remind', 'waiting');
    expect(step(waiting, 'approve')?.status).toBe('waiting');

    await baton.stopApi();
    for (const worker of baton.workers.splice(0)) await worker.close();
    // Killed and started again with no persistence: every job, scheduler and key is gone.
    await redis.stop();
    await redis.start();
    await baton.startWorker();
    await baton.startApi();

    const timedOut = await untilStep(baton, id, 'remind', 'failed');
    expect(step(timedOut, 'remind')?.error).toMatchObject({ code: 'WAIT_TIMEOUT' });
    expect(step(timedOut, 'approve')?.status).toBe('waiting');
    expect((await baton.request('POST', `/v1/runs/${id}/signals/approve-7`, { by: 'ada' })).status).toBe(202);
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(step(run, 'ship')?.output).toEqual({ approval: { by: 'ada' }, reminder: 'failed' });
  } finally {
    await baton.close();
    await redis.stop();
  }
});
