import { Reconciler, type JobPresence } from './reconciler';
import { chain, recordingLogger, runtimeFixture, workflowOf } from './runtime-fixture.test-helper';

/** Redis as the reconciler sees it: the jobs it holds, by `runId|key|attempt`. */
class FakePresence implements JobPresence {
  readonly held_ = new Set<string>();
  readonly released: string[] = [];
  private id = (s: { runId: string; key: string; attempt: number }) => `${s.runId}|${s.key}|${s.attempt}`;

  async held(steps: Array<{ runId: string; key: string; attempt: number; agent: string }>): Promise<boolean[]> {
    return steps.map((s) => this.held_.has(this.id(s)));
  }

  async release(step: { runId: string; key: string; attempt: number; agent: string }): Promise<void> {
    this.released.push(this.id(step));
  }

  hold(runId: string, key: string, attempt = 1): void {
    this.held_.add(this.id({ runId, key, attempt }));
  }
}

function reconciling(maxRequeues = 2) {
  const fixture = runtimeFixture();
  const presence = new FakePresence();
  const logger = recordingLogger();
  // baton_reconciler_repairs_total, by kind.
  const repairs: Record<string, number> = {};
  const counter = { inc: (labels: Record<string, string | number> = {}, value = 1) => void (repairs[String(labels.kind)] = (repairs[String(labels.kind)] ?? 0) + value) };
  const reconciler = new Reconciler({ runtime: fixture.runtime, presence, logger, settleMs: 0, maxRequeues, repairs: counter });
  // The reconciler looks at steps queued before now: a moment later than every submission.
  const later = () => new Date(Date.now() + 10);
  return { ...fixture, presence, reconciler, logger, later, repairs };
}

test('a job Redis still holds is left alone, and nothing is logged', async () => {
  const { runtime, presence, reconciler, logger, dispatcher, later, repairs } = reconciling();
  const { id } = await runtime.submit({ tenant: 't', workflow: chain('held', 1), input: {} });
  presence.hold(id, 's0');
  expect(await reconciler.tick(later())).toEqual({ timedOut: 0, requeued: 0, lost: 0 });
  expect(repairs).toEqual({});
  expect(dispatcher.enqueued).toHaveLength(1);
  expect(logger.lines).toEqual([]);
});

test('a lost job is enqueued again BATON_MAX_REQUEUES times, then its step fails with WORKER_LOST', async () => {
  const { runtime, presence, reconciler, logger, dispatcher, read, later, repairs } = reconciling(2);
  const { id } = await runtime.submit({ tenant: 't', workflow: chain('lost', 2), input: {} });
  for (let n = 1; n <= 2; n++) {
    expect(await reconciler.tick(later())).toEqual({ timedOut: 0, requeued: 1, lost: 0 });
    expect((await read(id)).steps.get('s0')).toMatchObject({ status: 'queued', requeues: n });
  }
  expect(dispatcher.keys(id)).toEqual(['s0#1', 's0#1', 's0#1']);
  expect(presence.released).toEqual([`${id}|s0|1`, `${id}|s0|1`]);
  expect(await reconciler.tick(later())).toEqual({ timedOut: 0, requeued: 0, lost: 1 });
  expect(repairs).toEqual({ requeued: 2, lost: 1 });
  const { run, steps } = await read(id);
  expect(steps.get('s0')).toMatchObject({
    status: 'failed',
    error: { code: 'WORKER_LOST', message: expect.stringMatching(/^worker lost: step s0 \(attempt 1\) lost its job 3 times in a row .*BATON_MAX_REQUEUES=2$/) },
  });
  expect(run).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
  expect(logger.lines.map(([level, message, meta]) => [level, message, meta])).toContainEqual(['warn', 'reconciled', { requeued: 0, lost: 1, timedOut: 0 }]);
  expect(await reconciler.tick(later())).toEqual({ timedOut: 0, requeued: 0, lost: 0 });
});

test('a running attempt past its deadline (and the grace) is timed out by the reconciler', async () => {
  const { runtime, presence, reconciler, read, repairs } = reconciling();
  const workflow = workflowOf({ name: 'slow', steps: [{ id: 'a', agent: 'echo', timeoutMs: 1000 }] });
  const { id } = await runtime.submit({ tenant: 't', workflow, input: {} });
  await runtime.apply(id, { type: 'step.started', key: 'a', attempt: 1 });
  presence.hold(id, 'a');
  expect(await reconciler.tick(new Date(Date.now() + 1500))).toMatchObject({ timedOut: 0 });
  expect(await reconciler.tick(new Date(Date.now() + 2500))).toMatchObject({ timedOut: 1 });
  expect(repairs).toEqual({ timedOut: 1 });
  expect((await read(id)).steps.get('a')).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
});

test('a step queued more recently than settleMs is not looked at: its job may be on its way', async () => {
  const fixture = runtimeFixture();
  const reconciler = new Reconciler({ runtime: fixture.runtime, presence: new FakePresence(), logger: recordingLogger() });
  await fixture.runtime.submit({ tenant: 't', workflow: chain('fresh', 1), input: {} });
  expect(await reconciler.tick()).toEqual({ timedOut: 0, requeued: 0, lost: 0 });
});

test('repair: a lost job of a live attempt runs again at once, counted like a tick\'s; held, finished or unknown attempts are left alone', async () => {
  const { runtime, presence, reconciler, logger, dispatcher, read, repairs } = reconciling(1);
  const { id } = await runtime.submit({ tenant: 't', workflow: chain('repair', 2), input: {} });
  presence.hold(id, 's0');
  expect(await reconciler.repair([{ runId: id, key: 's0', attempt: 1 }])).toEqual({ requeued: 0, lost: 0 });
  presence.held_.clear();
  expect(await reconciler.repair([{ runId: id, key: 's0', attempt: 1 }, { runId: id, key: 's0', attempt: 2 }, { runId: id, key: 'nope', attempt: 1 }])).toEqual({ requeued: 1, lost: 0 });
  expect(dispatcher.keys(id)).toEqual(['s0#1', 's0#1']);
  expect((await read(id)).steps.get('s0')).toMatchObject({ status: 'queued', requeues: 1 });
  expect(logger.lines).toContainEqual(['warn', 'repaired lost jobs', { requeued: 1, lost: 0 }]);
  expect(await reconciler.repair([{ runId: id, key: 's0', attempt: 1 }])).toEqual({ requeued: 0, lost: 1 });
  expect((await read(id)).steps.get('s0')).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
  expect(repairs).toEqual({ requeued: 1, lost: 1 });
  expect(await reconciler.repair([{ runId: id, key: 's0', attempt: 1 }])).toEqual({ requeued: 0, lost: 0 });
  expect(await reconciler.repair([])).toEqual({ requeued: 0, lost: 0 });
});

test('a loss seen by a repair and a tick at once is counted and requeued once', async () => {
  const { runtime, reconciler, dispatcher, read, later } = reconciling(3);
  const { id } = await runtime.submit({ tenant: 't', workflow: chain('both', 1), input: {} });
  const [repaired, ticked] = await Promise.all([reconciler.repair([{ runId: id, key: 's0', attempt: 1 }]), reconciler.tick(later())]);
  expect(repaired.requeued + ticked.requeued).toBe(1);
  expect((await read(id)).steps.get('s0')).toMatchObject({ status: 'queued', requeues: 1 });
  expect(dispatcher.keys(id)).toEqual(['s0#1', 's0#1']);
});
