import type { Counter } from '@baton/core';
import type { LiveStep } from '@baton/db';
import type { RunEvent } from '@baton/engine';
import type { Runtime } from './runtime';
import type { RuntimeLogger } from './step-dispatcher';

/** Which of these attempts Redis still holds as waiting, delayed, prioritised or active jobs. */
export interface JobPresence {
  held(steps: Array<{ runId: string; key: string; attempt: number; agent: string }>): Promise<boolean[]>;
  /** Drops a finished or failed job so the same id can be enqueued again. */
  release(step: { runId: string; key: string; attempt: number; agent: string }): Promise<void>;
}

export interface ReconcilerOptions {
  /** What the reconciler asks of the runtime. */
  runtime: Pick<Runtime, 'apply' | 'liveSteps' | 'liveAttempts' | 'countRequeues' | 'requeue' | 'expiredWaits'> & Partial<Pick<Runtime, 'reconcileChildren'>>;
  presence: JobPresence;
  logger: RuntimeLogger;
  /** A step queued more recently than this is left alone: its job may be in flight. @defaultValue 2000 */
  settleMs?: number;
  /** Extra time past a deadline before the reconciler (not the worker) times an attempt out. @defaultValue 1000 */
  deadlineGraceMs?: number;
  /** Most steps examined per tick. @defaultValue 5000 */
  limit?: number;
  /**
   * Times one attempt whose job was lost is enqueued again (`BATON_MAX_REQUEUES`); lost once more,
   * it fails with `WORKER_LOST` instead of taking down worker after worker. @defaultValue 3
   */
  maxRequeues?: number;
  /** `baton_reconciler_repairs_total{kind}`: counts each repair by kind (`requeued`, `timedOut`, `lost`). */
  repairs?: Counter;
}

/**
 * Makes Redis agree with Postgres: re-enqueues live steps whose job Redis no longer holds
 * (a flushed or failed-over Redis, a crash between commit and enqueue, a worker that died with the
 * job: BullMQ fails a stalled job), and times out attempts past their deadline whose worker died.
 * An attempt lost more than `maxRequeues` times fails. It is also the timer of `wait` steps: a wait
 * past its `timeoutMs` (read from Postgres, so a restart or a flushed Redis loses none) times out.
 * One worker runs it per tick.
 */
export class Reconciler {
  constructor(private readonly options: ReconcilerOptions) {}

  async tick(now = new Date()): Promise<{ timedOut: number; requeued: number; lost: number }> {
    const { runtime } = this.options;
    // Not a repair: a wait that timed out is a step failing as its definition says (WAIT_TIMEOUT).
    const waits = await runtime.expiredWaits(now, this.options.limit ?? 5000);
    await Promise.all(waits.map((w) => runtime.apply(w.run_id, { type: 'step.timedOut', key: w.key, attempt: w.attempt })));
    const live = await runtime.liveSteps(new Date(now.getTime() - (this.options.settleMs ?? 2000)), this.options.limit ?? 5000);
    const grace = this.options.deadlineGraceMs ?? 1000;
    await this.reconcileChildren(now, grace);
    const expired = live.filter((s) => s.status === 'running' && s.deadline_at && s.deadline_at.getTime() + grace < now.getTime());
    await Promise.all(expired.map((s) => runtime.apply(s.run_id, { type: 'step.timedOut', key: s.key, attempt: s.attempt })));
    if (expired.length) this.options.repairs?.inc({ kind: 'timedOut' }, expired.length);
    const candidates = live.filter((s): s is LiveStep & { agent: string } => s.agent !== null && !expired.includes(s));
    const { requeued, lost } = await this.requeueMissing(candidates);
    if (requeued > 0 || lost > 0 || expired.length > 0) {
      this.options.logger.warn('reconciled', { requeued, lost, timedOut: expired.length });
    }
    return { timedOut: expired.length, requeued, lost };
  }

  /**
   * Runs these attempts again at once, or fails them (`WORKER_LOST`), when they are still live and
   * Redis no longer holds their job: what a tick does, for the jobs a worker just saw BullMQ fail
   * as stalled, without waiting for the tick. A tick elsewhere at the same moment may count one
   * loss twice (the attempt then fails one loss early); the job is enqueued once either way.
   */
  async repair(attempts: ReadonlyArray<{ runId: string; key: string; attempt: number }>): Promise<{ requeued: number; lost: number }> {
    const live = await this.options.runtime.liveAttempts(attempts);
    const repaired = await this.requeueMissing(live.filter((s): s is LiveStep & { agent: string } => s.agent !== null));
    if (repaired.requeued > 0 || repaired.lost > 0) this.options.logger.warn('repaired lost jobs', repaired);
    return repaired;
  }

  private async requeueMissing(candidates: Array<LiveStep & { agent: string }>): Promise<{ requeued: number; lost: number }> {
    const { runtime, presence } = this.options;
    if (candidates.length === 0) return { requeued: 0, lost: 0 };
    const targets = candidates.map((s) => ({ runId: s.run_id, key: s.key, attempt: s.attempt, agent: s.agent, requeues: s.requeues }));
    const held = await presence.held(targets);
    const max = this.options.maxRequeues ?? 3;
    const missing = targets.filter((_, i) => !held[i]);
    const again = missing.filter((t) => t.requeues < max);
    const lost = missing.filter((t) => t.requeues >= max);
    // Counted before the enqueue: a crash in between costs a re-run, never a count. Each loss is
    // counted once however many reconcilers saw it (a repair and a tick): the one that counts it requeues it.
    const counted = await Promise.all(again.map((t) => runtime.countRequeues([t])));
    const mine = again.filter((_, i) => counted[i] === 1);
    for (const t of mine) await presence.release(t);
    // Fewer when some finished meanwhile (their job completed, so Redis did not "hold" it).
    const requeued = await runtime.requeue(mine);
    await Promise.all(lost.map((t) => runtime.apply(t.runId, workerLost(t, max))));
    const repairs = this.options.repairs;
    if (requeued) repairs?.inc({ kind: 'requeued' }, requeued);
    if (lost.length) repairs?.inc({ kind: 'lost' }, lost.length);
    return { requeued, lost: lost.length };
  }

  /** Sub-workflow steps hold no job: their lost child starts, results and deadlines, and orphaned children. */
  private async reconcileChildren(now: Date, grace: number): Promise<void> {
    const { runtime, logger } = this.options;
    if (!runtime.reconcileChildren) return;
    const before = new Date(now.getTime() - (this.options.settleMs ?? 2000));
    // Their timeouts are not repairs: the reconciler is the only timer of a child run's step.
    const done = await runtime.reconcileChildren(now, before, grace, this.options.limit ?? 5000);
    if (done.started + done.resulted + done.cancelled > 0) logger.warn('reconciled sub-workflows', done);
  }
}

/** The failure of an attempt whose job was lost once more than `max` re-runs allow. */
function workerLost(t: { key: string; attempt: number; requeues: number }, max: number): RunEvent {
  const message =
    `worker lost: step ${t.key} (attempt ${t.attempt}) lost its job ${t.requeues + 1} times in a row (its worker died, ` +
    `or could not record a result); not run again past BATON_MAX_REQUEUES=${max}`;
  return { type: 'step.failed', key: t.key, attempt: t.attempt, retryable: false, error: { code: 'WORKER_LOST', message } };
}
