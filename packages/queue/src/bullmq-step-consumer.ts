import { Worker, type Job } from 'bullmq';
import type { BullmqStepConsumerOptions } from './bullmq-step-consumer-options';
import { DEFAULT_PREFIX, queueName } from './queue-name';
import type { StepJob } from './step-job';

const DEFAULT_CONCURRENCY = 100;
const DEFAULT_LOCK_MS = 30_000;

/**
 * Consumes the step jobs of some agents: one BullMQ `Worker` per `agent.<name>` queue, each
 * handing `job.data` to the handler. It starts at once.
 */
export class BullmqStepConsumer {
  private readonly workers: Array<Worker<StepJob>>;
  private readonly byAgent = new Map<string, Worker<StepJob>>();
  private readonly concurrency: number;

  constructor(options: BullmqStepConsumerOptions) {
    const { connection, handler } = options;
    const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
    const onError = options.onError ?? (() => undefined);
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const process = (job: Job<StepJob>) => handler(job.data, { jobId: job.id!, readyAt: job.timestamp + (job.opts.delay ?? 0) });
    this.workers = options.agents.map((agent) => {
      const worker = new Worker<StepJob>(queueName(agent), process, {
        connection,
        prefix: options.prefix ?? DEFAULT_PREFIX,
        concurrency: this.concurrency,
        lockDuration: lockMs,
        stalledInterval: Math.min(30_000, lockMs),
        // A job whose worker died fails at once; the reconciler re-runs it, counting (BATON_MAX_REQUEUES).
        maxStalledCount: 0,
      });
      worker.on('error', (error) => onError(error, agent));
      this.byAgent.set(agent, worker);
      return worker;
    });
  }

  /**
   * Changes how many jobs of each agent run at once here, live (BullMQ takes more at once, or lets
   * the active ones finish before taking more); an agent not named goes back to the configured number.
   */
  setConcurrency(byAgent: Readonly<Record<string, number>>): void {
    for (const [agent, worker] of this.byAgent) worker.concurrency = byAgent[agent] ?? this.concurrency;
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
