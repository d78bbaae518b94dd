import { Queue, type JobState, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BullmqStepQueueOptions, KeepFinished } from './bullmq-step-queue-options';
import { DEFAULT_PREFIX, queueName } from './queue-name';
import type { StepJob } from './step-job';
import { stepJobId } from './step-job-id';
import { parseTraceparent, runTraceparent } from './traceparent';

/** One step attempt to enqueue. `priority` is Baton's 1..10 (10 most urgent). */
export interface EnqueueRequest {
  job: StepJob;
  priority: number;
  /** Milliseconds before the job may run (retry backoff); 0 for at once. */
  delayMs: number;
}

/** The BullMQ queue of one agent's step jobs. */
export type AgentQueue = Queue<StepJob, unknown, string>;

const DEFAULT_REMOVE_ON_COMPLETE: KeepFinished = { age: 3600, count: 1000 };
const DEFAULT_REMOVE_ON_FAIL: KeepFinished = { age: 86400, count: 5000 };

/**
 * Baton's priority (1..10, 10 most urgent) as BullMQ's (lower runs first): 10 → 1, 5 → 6, 1 → 10.
 * Every job gets one, the default included: BullMQ serves jobs *without* a priority before all
 * prioritized ones, so leaving 5 unprioritized would run every priority-5 job before any 10.
 * @throws RangeError outside 1..10 or for a non-integer.
 */
export function bullmqPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 1 || priority > 10) throw new RangeError(`priority must be an integer in 1..10, got ${priority}`);
  return 11 - priority;
}

/** Step jobs over BullMQ: one `agent.<name>` queue per agent, deterministic job ids. */
export class BullmqStepQueue {
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly removeOnComplete: KeepFinished;
  private readonly removeOnFail: KeepFinished;
  private readonly onError: (error: Error) => void;
  private readonly traceparentOf: (job: StepJob) => string | undefined;
  private readonly queues = new Map<string, AgentQueue>();
  private closed = false;

  constructor(options: BullmqStepQueueOptions) {
    this.connection = options.connection;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.removeOnComplete = options.removeOnComplete ?? DEFAULT_REMOVE_ON_COMPLETE;
    this.removeOnFail = options.removeOnFail ?? DEFAULT_REMOVE_ON_FAIL;
    this.onError = options.onError ?? (() => undefined);
    this.traceparentOf = options.traceparentOf ?? (() => undefined);
  }

  /** The (cached) BullMQ queue of an agent, e.g. for Bull Board. */
  queue(agent: string): AgentQueue {
    if (this.closed) throw new Error('BullmqStepQueue is closed');
    let queue = this.queues.get(agent);
    if (!queue) {
      queue = new Queue<StepJob, unknown, string>(queueName(agent), { connection: this.connection, prefix: this.prefix });
      // An EventEmitter 'error' without a listener throws: never let a Redis outage crash us.
      queue.on('error', (error) => this.onError(error));
      this.queues.set(agent, queue);
    }
    return queue;
  }

  /**
   * Sets each agent's fleet-wide limit of jobs running at once (BullMQ's global concurrency, kept
   * in Redis and honoured by every worker), and removes it from the agents given as `undefined`.
   */
  async setAgentConcurrency(limits: Readonly<Record<string, number | undefined>>): Promise<void> {
    this.assertAvailable();
    await Promise.all(Object.entries(limits).map(([agent, n]) =>
      (n === undefined ? this.queue(agent).removeGlobalConcurrency() : this.queue(agent).setGlobalConcurrency(n))));
  }

  /** Pauses an agent's queue fleet-wide (BullMQ's queue pause, kept in Redis): no worker takes a new job of it; running ones finish. */
  async pauseAgent(agent: string): Promise<void> {
    this.assertAvailable();
    await this.queue(agent).pause();
  }

  async resumeAgent(agent: string): Promise<void> {
    this.assertAvailable();
    await this.queue(agent).resume();
  }

  /** Whether the agent's queue is paused. */
  async isAgentPaused(agent: string): Promise<boolean> {
    this.assertAvailable();
    return this.queue(agent).isPaused();
  }

  /**
   * Adds the jobs, one `addBulk` round trip per agent queue. A job whose id already exists is left
   * as it is, so enqueueing twice is harmless. Every job leaves with a `traceparent`:
   * `traceparentOf`'s when valid, else its own when valid, else one derived from its run id (see
   * {@link StepJob.traceparent}).
   * @throws RangeError for a priority outside 1..10; the Redis error when Redis is unavailable.
   */
  async enqueue(jobs: readonly EnqueueRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    this.assertAvailable();
    const byAgent = new Map<string, Array<{ name: string; data: StepJob; opts: JobsOptions }>>();
    for (const { job, priority, delayMs } of jobs) {
      const opts: JobsOptions = {
        jobId: stepJobId(job.runId, job.key, job.attempt),
        priority: bullmqPriority(priority),
        attempts: 1, // retries are Baton's (Postgres decides), never BullMQ's
        removeOnComplete: this.removeOnComplete,
        removeOnFail: this.removeOnFail,
      };
      if (delayMs > 0) opts.delay = delayMs;
      const traceparent = this.traceparentFor(job);
      const group = byAgent.get(job.agent) ?? [];
      group.push({ name: job.key, data: traceparent === job.traceparent ? job : { ...job, traceparent }, opts });
      byAgent.set(job.agent, group);
    }
    await Promise.all([...byAgent].map(([agent, group]) => this.queue(agent).addBulk(group)));
  }

  /**
   * The BullMQ state of each job, undefined when Redis no longer holds it. The checks are issued
   * together on the one connection, so ioredis pipelines them.
   */
  async jobStates(jobIds: ReadonlyMap<string, readonly string[]> | Readonly<Record<string, readonly string[]>>): Promise<Map<string, JobState | undefined>> {
    const entries: Array<[string, readonly string[]]> = jobIds instanceof Map ? [...jobIds] : Object.entries(jobIds);
    const states = new Map<string, JobState | undefined>();
    if (entries.every(([, ids]) => ids.length === 0)) return states;
    this.assertAvailable();
    const checks = entries.flatMap(([agent, ids]) => {
      const queue = this.queue(agent);
      return ids.map(async (id) => {
        const state = await queue.getJobState(id);
        states.set(id, state === 'unknown' ? undefined : state);
      });
    });
    await Promise.all(checks);
    return states;
  }

  /**
   * Removes a job that is not running. True when Redis no longer holds it (removed, or never there);
   * false when a worker holds it (active): abort that one with `publishCancel`.
   */
  async removeJob(agent: string, jobId: string): Promise<boolean> {
    this.assertAvailable();
    return (await this.queue(agent).remove(jobId)) === 1;
  }

  /** Closes the queues it opened; the borrowed connection stays open. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((queue) => queue.close()));
  }

  /** The `traceparent` a job leaves with (see {@link enqueue}); an eager run takes the same. */
  traceparentFor(job: StepJob): string {
    const parent = this.traceparentOf(job);
    if (parent !== undefined && parseTraceparent(parent)) return parent;
    return parseTraceparent(job.traceparent) ? job.traceparent! : runTraceparent(job.runId);
  }

  // A fail-fast (client) connection must fail fast here too: BullMQ would otherwise wait for `ready`.
  private assertAvailable(): void {
    if (this.connection.options.enableOfflineQueue === false && this.connection.status !== 'ready') {
      throw new Error(`Redis is not available (connection ${this.connection.status})`);
    }
  }
}
