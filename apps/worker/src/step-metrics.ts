import type { RunEvent } from '@baton/engine';
import type { Metrics } from '@baton/telemetry';

/**
 * How an attempt ended, as `baton_steps_total`'s `status` label; `fenced`: its result was dropped,
 * another delivery of the attempt holding the job by then (this worker lost its lock).
 */
export type StepStatus = 'succeeded' | 'failed' | 'timedOut' | 'cancelled' | 'fenced';

/** What the step processor measures. */
export interface StepMetrics {
  /** `baton_step_queue_wait_seconds`: from when the job was ready to when the worker started it. */
  queueWait(agent: string, seconds: number): void;
  /** `baton_step_duration_seconds`: the agent's run time. */
  duration(agent: string, seconds: number): void;
  /** `baton_steps_total`. */
  finished(agent: string, status: StepStatus): void;
}

/** The status of an attempt whose result is `event` (none: it was cancelled). */
export function stepStatus(event: RunEvent | undefined): StepStatus {
  switch (event?.type) {
    case 'step.succeeded':
      return 'succeeded';
    case 'step.timedOut':
      return 'timedOut';
    case undefined:
      return 'cancelled';
    default:
      return 'failed';
  }
}

/**
 * Seconds from `readyAt` to `startedAt` (ms since the epoch). Never negative: the clocks of the
 * enqueuing process and this one may disagree by a little.
 */
export function queueWaitSeconds(readyAt: number, startedAt: number): number {
  return Math.max(0, startedAt - readyAt) / 1000;
}

/** {@link StepMetrics} over the process's Prometheus series. */
export function prometheusStepMetrics(metrics: Pick<Metrics, 'queueWait' | 'stepDuration' | 'steps'>): StepMetrics {
  return {
    queueWait: (agent, seconds) => metrics.queueWait.observe(seconds, { agent }),
    duration: (agent, seconds) => metrics.stepDuration.observe(seconds, { agent }),
    finished: (agent, status) => metrics.steps.inc({ agent, status }),
  };
}
