import type { Logger } from '@baton/core';
import type { StepJob } from '@baton/queue';

/** Where enqueue and cancel commands go once their transaction has committed. `BullmqStepQueue` is the adapter. */
export interface StepDispatcher {
  enqueue(jobs: Array<{ job: StepJob; priority: number; delayMs: number }>): Promise<void>;
  cancel(targets: Array<{ runId: string; key: string; attempt: number; agent: string | null }>): Promise<void>;
}

/** The logging port the runtime needs: `@baton/core`'s `Logger`, which `@baton/telemetry`'s logger satisfies. */
export type RuntimeLogger = Logger;
