import type { Logger } from '@baton/core';
import type { RunEventMark, StepJob } from '@baton/queue';

/** Where enqueue and cancel commands go once their transaction has committed. `BullmqStepQueue` is the adapter. */
export interface StepDispatcher {
  /**
   * @param origin - `commit`: jobs a commit made ready (a worker may run them itself, see eager
   * dispatch); `repair`: lost jobs the reconciler enqueues again, which go to the queue for the fleet.
   */
  enqueue(jobs: Array<{ job: StepJob; priority: number; delayMs: number }>, origin?: 'commit' | 'repair'): Promise<void>;
  cancel(targets: Array<{ runId: string; key: string; attempt: number; agent: string | null }>): Promise<void>;
  /** Removes the jobs no worker has taken yet (a paused run's); a job already running is left to finish. */
  withdraw(targets: Array<{ runId: string; key: string; attempt: number; agent: string }>): Promise<void>;
  /**
   * Tells the live streams of every api which runs have new events: called once per committed
   * batch with each run's last event number. Absent, streams learn of new events only by polling.
   */
  announce?(marks: RunEventMark[]): Promise<void>;
}

/** The logging port the runtime needs: `@baton/core`'s `Logger`, which `@baton/telemetry`'s logger satisfies. */
export type RuntimeLogger = Logger;
