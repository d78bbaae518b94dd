import type { KeepJobs } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StepJob } from './step-job';

/** Which finished jobs BullMQ keeps: `true` removes at once, a number keeps that many. */
export type KeepFinished = boolean | number | KeepJobs;

export interface BullmqStepQueueOptions {
  /**
   * Borrowed, never closed by the queue. A `client` connection (`enableOfflineQueue: false`) makes
   * every call reject at once while Redis is not ready; a `worker` connection makes calls wait.
   */
  connection: Redis;
  /**
   * BullMQ key prefix; every key of every agent queue starts with it.
   * @defaultValue `'baton'`
   */
  prefix?: string;
  /**
   * Completed jobs kept in Redis. Postgres holds the truth, so these only serve Bull Board.
   * @defaultValue `{ age: 3600, count: 1000 }` (an hour, at most 1000 per queue)
   */
  removeOnComplete?: KeepFinished;
  /**
   * Failed jobs kept in Redis.
   * @defaultValue `{ age: 86400, count: 5000 }` (a day, at most 5000 per queue)
   */
  removeOnFail?: KeepFinished;
  /**
   * Called with errors the BullMQ queues emit (connection errors, mostly). Without it they are
   * ignored: they also reach callers as rejected promises.
   */
  onError?: (error: Error) => void;
  /**
   * The W3C `traceparent` of the span that enqueues `job`, ahead of the job's own (its run's root):
   * a worker answers with the step whose result made the job ready, so that a step's span is the
   * child of the one before it in the trace its submission started. Called synchronously inside
   * `enqueue`; undefined or a malformed answer leaves the job's own.
   * @defaultValue none: a job keeps its own, or without one gets a context derived from its run id
   */
  traceparentOf?: (job: StepJob) => string | undefined;
}
