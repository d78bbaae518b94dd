import { Worker, type Job } from 'bullmq';
import type { BullmqStepConsumerOptions, StepDelivery } from './bullmq-step-consumer-options';
import { DEFAULT_PREFIX, queueName } from './queue-name';
import type { StepJob } from './step-job';

const DEFAULT_CONCURRENCY = 100;
const DEFAULT_LOCK_MS = 5_000;

/**
 * BullMQ's lock settings for a lock of `lockMs`. Renewed every quarter of it (BullMQ's timer runs
 * every eighth and renews the locks older than that), so a renewal may be late by about 0.75 ×
 * `lockMs` before the lock lapses; the fleet looks for lapsed locks every fifth of it. One renewal
 * is one script call per agent queue with running jobs, whatever their number.
 */
function lockSettings(lockMs: number): { lockDuration: number; lockRenewTime: number; stalledInterval: number } {
  return { lockDuration: lockMs, lockRenewTime: Math.floor(lockMs / 4), stalledInterval: Math.max(100, Math.floor(lockMs / 5)) };
}

/**
 * Consumes the step jobs of some agents: one BullMQ `Worker` per `agent.<name>` queue, each
 * handing `job.data` to the handler. It starts at once.
 */
export class BullmqStepConsumer {
  private readonly workers: Array<Worker<StepJob>>;
  private readonly byAgent = new Map<string, Worker<StepJob>>();
  private readonly concurrency: number;
  /** Each agent's configured slots (`setConcurrency`), and those lent to eager runs, which BullMQ does not fill. */
  private readonly limits = new Map<string, number>();
  private readonly lent = new Map<string, number>();

  constructor(options: BullmqStepConsumerOptions) {
    const { connection, handler } = options;
    const onError = options.onError ?? (() => undefined);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    this.workers = options.agents.map((agent) => {
      const process = (job: Job<StepJob>, token?: string) => handler(job.data, delivery(job, token));
      const worker = new Worker<StepJob>(queueName(agent), process, {
        connection,
        prefix,
        concurrency: this.concurrency,
        ...lockSettings(options.lockMs ?? DEFAULT_LOCK_MS),
        // A job whose worker died fails at once; the reconciler re-runs it, counting (BATON_MAX_REQUEUES).
        maxStalledCount: 0,
      });
      const delivery = (job: Job<StepJob>, token: string | undefined): StepDelivery => ({
        jobId: job.id!,
        readyAt: job.timestamp + (job.opts.delay ?? 0),
        owned: async () => {
          const holder = await connection.get(`${worker.toKey(job.id!)}:lock`).catch(() => null);
          return holder === null || holder === token;
        },
      });
      worker.on('error', (error) => onError(error, agent));
      this.byAgent.set(agent, worker);
      // A stalled job failed by BullMQ never reached the handler: its attempt is lost, not failed.
      worker.on('failed', (job) => {
        if (job && job.stalledCounter > 0) options.onLost?.(job.data);
      });
      return worker;
    });
  }

  /**
   * Changes how many jobs of each agent run at once here, live (BullMQ takes more at once, or lets
   * the active ones finish before taking more); an agent not named goes back to the configured number.
   */
  setConcurrency(byAgent: Readonly<Record<string, number>>): void {
    for (const agent of this.byAgent.keys()) {
      this.limits.set(agent, byAgent[agent] ?? this.concurrency);
      this.fit(agent);
    }
  }

  /** How many jobs of the agent run at once here, eager runs included (0 for an agent it does not consume). */
  limit(agent: string): number {
    return this.byAgent.has(agent) ? this.limits.get(agent) ?? this.concurrency : 0;
  }

  /**
   * Tells how many eager runs of the agent execute now: BullMQ takes that many fewer jobs (it
   * keeps one slot at least, which is why eager runs never take the last one).
   */
  lend(agent: string, slots: number): void {
    this.lent.set(agent, slots);
    this.fit(agent);
  }

  private fit(agent: string): void {
    const worker = this.byAgent.get(agent);
    if (worker) worker.concurrency = Math.max(1, this.limit(agent) - (this.lent.get(agent) ?? 0));
  }

  /** Takes no new job, and resolves once the active ones have finished. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /**
   * Stops without waiting for active jobs; but after `close()` BullMQ keeps waiting for them, so
   * abort their handlers first either way. A job whose handler still runs is not recorded in
   * BullMQ; its lock lapses, and the fleet's stalled checks and the reconciler take it from there.
   */
  async forceClose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(true)));
  }
}
