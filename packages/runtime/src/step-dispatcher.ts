import type { StepJob } from '@baton/queue';

/** Where enqueue and cancel commands go once their transaction has committed. `BullmqStepQueue` is the adapter. */
export interface StepDispatcher {
  enqueue(jobs: Array<{ job: StepJob; priority: number; delayMs: number }>): Promise<void>;
  cancel(targets: Array<{ runId: string; key: string; attempt: number; agent: string | null }>): Promise<void>;
}

/** The logging port the runtime needs; `@baton/telemetry`'s logger satisfies it. */
export interface RuntimeLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}
