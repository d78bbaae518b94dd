import type { EagerJob, StepJob } from '@baton/queue';
import { stepJobId } from '@baton/queue';
import type { RuntimeLogger, StepDispatcher } from '@baton/runtime';

/** The BullMQ consumer's slots, as eager dispatch shares them (`BullmqStepConsumer`). */
export interface SlotOwner {
  /** Jobs of the agent that may run at once here, eager ones included; 0 for an agent not consumed. */
  limit(agent: string): number;
  /** How many eager runs of the agent execute now (BullMQ takes that many fewer). */
  lend(agent: string, slots: number): void;
}

/**
 * The agents' slots of one worker. A slot is *executing* from a job's start to its agent's end; the
 * recording of the result that follows holds none (the successor that result makes ready may take
 * it). An eager run takes a slot only while fewer than the limit execute, and BullMQ takes as many
 * fewer jobs as eager runs execute, so the agents executing at once stay within the limit. Eager
 * runs never hold the last slot: BullMQ keeps at least one, so queued work always moves.
 */
export class AgentSlots {
  private owner?: SlotOwner;
  private readonly executing = new Map<string, number>();
  private readonly eager = new Map<string, number>();

  /** Eager runs start only once the consumer's slots are known. */
  attach(owner: SlotOwner): void {
    this.owner = owner;
  }

  /** A BullMQ job starts executing; the answer ends it (once, however often called). */
  begin(agent: string): () => void {
    return this.take(agent, false);
  }

  /**
   * Takes a slot for an eager run of `agent` when one is free, else undefined: `executed` ends its
   * execution (once, however often called), and gives the slot back to BullMQ.
   */
  tryEager(agent: string): { executed: () => void } | undefined {
    const limit = this.owner?.limit(agent) ?? 0;
    if ((this.executing.get(agent) ?? 0) >= limit || (this.eager.get(agent) ?? 0) >= limit - 1) return undefined;
    return { executed: this.take(agent, true) };
  }

  private take(agent: string, eager: boolean): () => void {
    this.add(this.executing, agent, 1);
    if (eager) this.owner!.lend(agent, this.add(this.eager, agent, 1));
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.add(this.executing, agent, -1);
      if (eager) this.owner?.lend(agent, this.add(this.eager, agent, -1));
    };
  }

  private add(counts: Map<string, number>, agent: string, n: number): number {
    const next = (counts.get(agent) ?? 0) + n;
    if (next === 0) counts.delete(agent);
    else counts.set(agent, next);
    return next;
  }
}

/** What an eager run's processing gets, as a BullMQ delivery's (see `StepProcessor.process`). */
export interface EagerDelivery {
  readyAt: number;
  owned(): Promise<boolean>;
  /** Called once the agent has finished: its slot is free for the next step. */
  executed(): void;
}

/** The Redis side (`EagerLeases` of `@baton/queue`). */
export interface Leases {
  take(agent: string, jobs: readonly EagerJob[], owner: string): Promise<boolean[]>;
  renew(running: readonly Omit<EagerJob, 'priority'>[], finished: readonly Omit<EagerJob, 'priority'>[]): Promise<void>;
  unclaimed(agent: string, jobId: string): Promise<boolean>;
}

export interface EagerDispatchOptions {
  /** Where every job goes that is not run eagerly: BullMQ. */
  queue: StepDispatcher;
  leases: Leases;
  slots: AgentSlots;
  /** Runs a job here (`StepProcessor.process`); a rejection leaves the attempt to the reconciler. */
  run(job: StepJob, delivery: EagerDelivery): Promise<void>;
  /** This worker's id, the leases' owner. */
  workerId: string;
  /** How often leases are renewed: a quarter of `WORKER_LOCK_MS`, as BullMQ renews its locks. */
  renewEveryMs: number;
  /** Most steps of one run run eagerly in a row here; the next goes through BullMQ (`BATON_EAGER_MAX_CHAIN`). */
  maxChain: number;
  /** The `traceparent` the job would leave with through BullMQ. */
  traceparentFor?(job: StepJob): string;
  /** `baton_eager_dispatches_total`. */
  dispatched?(agent: string): void;
  logger: RuntimeLogger;
}

interface EagerRun {
  agent: string;
  jobId: string;
  runId: string;
  depth: number;
}

/**
 * Eager dispatch, as Temporal's eager activity execution: the step jobs a commit of this worker made
 * ready run here at once, without a BullMQ round trip, when this worker serves the agent and has a
 * free slot (see `AgentSlots`), the job is not delayed (a retry's backoff), and BullMQ would hand it
 * out now (the agent's queue is not paused, has no fleet-wide limit, holds nothing more urgent).
 * Each run holds a lease in Redis, renewed as BullMQ renews its locks, which the reconciler counts as
 * the job: a worker that dies mid-step loses the lease and the attempt is enqueued again. Everything
 * else goes to BullMQ, and so does the step after `maxChain` eager ones of a run in a row.
 */
export class EagerDispatch implements StepDispatcher {
  private readonly running = new Map<string, EagerRun>();
  /** How deep each run's eager chain is here: the deepest of its eager runs in flight. */
  private readonly chains = new Map<string, { depth: number; runs: number }>();
  private finished: Array<Omit<EagerJob, 'priority'>> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly renewal: ReturnType<typeof setInterval>;
  private closing = false;

  constructor(private readonly options: EagerDispatchOptions) {
    this.renewal = setInterval(() => void this.renew(), options.renewEveryMs);
  }

  async enqueue(jobs: Array<{ job: StepJob; priority: number; delayMs: number }>, origin?: 'commit' | 'repair'): Promise<void> {
    // The reconciler's re-enqueues go to the queue: any worker of the fleet may take them.
    if (origin !== 'commit') return this.options.queue.enqueue(jobs, origin);
    const later: typeof jobs = [];
    const now: Array<{ queued: (typeof jobs)[number]; slot: { executed: () => void }; depth: number }> = [];
    for (const queued of jobs) {
      const depth = (this.chains.get(queued.job.runId)?.depth ?? 0) + 1;
      const jobId = stepJobId(queued.job.runId, queued.job.key, queued.job.attempt);
      const slot = this.closing || queued.delayMs > 0 || depth > this.options.maxChain || this.running.has(jobId) ? undefined : this.options.slots.tryEager(queued.job.agent);
      if (slot) now.push({ queued, slot, depth });
      else later.push(queued);
    }
    if (now.length === 0) return this.options.queue.enqueue(jobs);
    await Promise.all([later.length > 0 ? this.options.queue.enqueue(later) : undefined, this.start(now)]);
  }

  cancel(targets: Parameters<StepDispatcher['cancel']>[0]): Promise<void> {
    return this.options.queue.cancel(targets);
  }

  withdraw(targets: Parameters<StepDispatcher['withdraw']>[0]): Promise<void> {
    return this.options.queue.withdraw(targets);
  }

  announce(marks: Parameters<NonNullable<StepDispatcher['announce']>>[0]): Promise<void> {
    return this.options.queue.announce?.(marks) ?? Promise.resolve();
  }

  /** Eager runs in flight here. */
  get size(): number {
    return this.running.size;
  }

  /** Starts no more eager runs, waits for those in flight, and drops their leases. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    clearInterval(this.renewal);
    await this.renew();
  }

  private async start(batch: Array<{ queued: { job: StepJob; priority: number; delayMs: number }; slot: { executed: () => void }; depth: number }>): Promise<void> {
    const byAgent = new Map<string, typeof batch>();
    for (const b of batch) byAgent.set(b.queued.job.agent, [...(byAgent.get(b.queued.job.agent) ?? []), b]);
    const refused: Array<{ job: StepJob; priority: number; delayMs: number }> = [];
    await Promise.all([...byAgent].map(async ([agent, group]) => {
      let taken: boolean[];
      try {
        taken = await this.options.leases.take(agent, group.map((b) => ({ agent, jobId: stepJobId(b.queued.job.runId, b.queued.job.key, b.queued.job.attempt), priority: b.queued.priority })), this.options.workerId);
      } catch (err) {
        for (const b of group) b.slot.executed();
        throw err; // the runtime logs it; the reconciler enqueues what neither Redis nor a lease holds
      }
      group.forEach((b, i) => {
        if (taken[i]) this.launch(b.queued, b.slot, b.depth);
        else {
          b.slot.executed();
          refused.push(b.queued);
        }
      });
    }));
    if (refused.length > 0) await this.options.queue.enqueue(refused);
  }

  private launch(queued: { job: StepJob }, slot: { executed: () => void }, depth: number): void {
    const job = this.options.traceparentFor ? { ...queued.job, traceparent: this.options.traceparentFor(queued.job) } : queued.job;
    const jobId = stepJobId(job.runId, job.key, job.attempt);
    const run: EagerRun = { agent: job.agent, jobId, runId: job.runId, depth };
    this.running.set(jobId, run);
    const chain = this.chains.get(job.runId) ?? { depth: 0, runs: 0 };
    this.chains.set(job.runId, { depth: Math.max(chain.depth, depth), runs: chain.runs + 1 });
    this.options.dispatched?.(job.agent);
    const delivery: EagerDelivery = { readyAt: Date.now(), owned: () => this.options.leases.unclaimed(job.agent, jobId), executed: slot.executed };
    const work = this.options
      .run(job, delivery)
      .catch((err: unknown) => this.options.logger.warn('eager step failed; the reconciler runs it again', { runId: job.runId, stepKey: job.key, attempt: job.attempt, error: String(err) }))
      .finally(() => {
        this.running.delete(jobId);
        const c = this.chains.get(job.runId);
        if (c && c.runs > 1) this.chains.set(job.runId, { depth: c.depth, runs: c.runs - 1 });
        else this.chains.delete(job.runId);
        // Dropped with the next renewal; until then the lease only says the attempt is still held.
        this.finished.push({ agent: job.agent, jobId });
        slot.executed();
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
  }

  private async renew(): Promise<void> {
    const finished = this.finished;
    this.finished = [];
    const running = [...this.running.values()].map(({ agent, jobId }) => ({ agent, jobId }));
    try {
      await this.options.leases.renew(running, finished);
    } catch (err) {
      this.options.logger.warn('renewing eager leases failed', { error: String(err) });
    }
  }
}
