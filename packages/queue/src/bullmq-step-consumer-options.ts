import type { Redis } from 'ioredis';
import type { StepJob } from './step-job';

/** What BullMQ knows of one delivery of a step job, besides its data. */
export interface StepDelivery {
  /** BullMQ's job id (`stepJobId(runId, key, attempt)`). */
  jobId: string;
  /** When the job became ready to run, ms since the epoch: when it was added, plus its delay (a retry's backoff). */
  readyAt: number;
}

/**
 * Runs one step job. Resolving completes the BullMQ job; rejecting fails it (it is not retried by
 * BullMQ: Baton's retries are decided in Postgres, and the reconciler re-runs a lost attempt).
 */
export type StepHandler = (job: StepJob, delivery: StepDelivery) => Promise<void>;

export interface BullmqStepConsumerOptions {
  /**
   * Borrowed, never closed by the consumer; BullMQ duplicates it for its blocking reads. A
   * `worker` connection (`createRedis(url, 'worker')`): waiting, retrying for ever.
   */
  connection: Redis;
  /** @defaultValue `'baton'` */
  prefix?: string;
  /** The agents whose queues (`agent.<name>`) to consume, one BullMQ `Worker` each. */
  agents: readonly string[];
  handler: StepHandler;
  /**
   * Jobs run at once per agent queue (`WORKER_CONCURRENCY`).
   * @defaultValue 100
   */
  concurrency?: number;
  /**
   * How long a job stays locked to this process without a renewal (`WORKER_LOCK_MS`). A job whose
   * lock expires (its process died) fails at once (`maxStalledCount` 0), and the reconciler runs
   * the attempt again; the stalled check runs every `min(lockMs, 30 s)`.
   * @defaultValue 30000
   */
  lockMs?: number;
  /**
   * Called with errors the BullMQ workers emit (connection errors, mostly), and the agent whose
   * queue it was. Without it they are ignored: an 'error' without a listener would crash.
   */
  onError?: (error: Error, agent: string) => void;
}
