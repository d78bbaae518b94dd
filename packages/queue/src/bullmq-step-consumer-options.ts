import type { Redis } from 'ioredis';
import type { StepJob } from './step-job';

/** What BullMQ knows of one delivery of a step job, besides its data. */
export interface StepDelivery {
  /** BullMQ's job id (`stepJobId(runId, key, attempt)`). */
  jobId: string;
  /** When the job became ready to run, ms since the epoch: when it was added, plus its delay (a retry's backoff). */
  readyAt: number;
  /**
   * Whether this delivery may still record its result: false once another delivery of the job holds
   * its lock (this process lost the lock, paused or starved past `lockMs`, and the attempt was run
   * again elsewhere). True when Redis cannot tell (no lock at all, Redis unreachable): the attempt's
   * first result to commit wins either way.
   */
  owned(): Promise<boolean>;
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
   * How long a job stays locked to this process without a renewal (`WORKER_LOCK_MS`). The lock is
   * renewed every `lockMs / 4` and the fleet checks for lapsed locks every `lockMs / 5`, so a dead
   * worker's job is found within about `1.2 × lockMs`; it fails at once (`maxStalledCount` 0) and
   * `onLost` is told. A live process whose event loop stalls for about `0.75 × lockMs` (a long GC
   * pause, CPU starvation, SIGSTOP) loses its jobs the same way.
   * @defaultValue 5000
   */
  lockMs?: number;
  /**
   * Called with a job BullMQ failed because its lock lapsed (its worker died or stalled), on the
   * process that noticed; the attempt is then the reconciler's to run again or give up on.
   */
  onLost?: (job: StepJob) => void;
  /**
   * Called with errors the BullMQ workers emit (connection errors, mostly), and the agent whose
   * queue it was. Without it they are ignored: an 'error' without a listener would crash.
   */
  onError?: (error: Error, agent: string) => void;
}
