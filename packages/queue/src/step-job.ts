/**
 * The payload of one step attempt, as it travels through BullMQ (`job.data`). Everything in it is
 * JSON: the worker needs nothing else from Postgres to run the agent.
 */
export interface StepJob {
  runId: string;
  /** The execution entry's key (`classify`, `notify[3]`, `classify>handoff:1`). */
  key: string;
  /** 1-based; counts every try of the step, re-runs included. */
  attempt: number;
  agent: string;
  /** The resolved input the agent receives. */
  input: unknown;
  /** Bounds one attempt; the worker aborts the agent's signal after it. */
  timeoutMs?: number;
  /** The context keys this step may read, with their values. */
  context: Record<string, unknown>;
  /** The context keys the step may write (`contextAccess.write`); absent means any. */
  contextWrite?: string[];
  /**
   * The secrets its input reads: the input holds their markers (`«secret:NAME»`, never a value),
   * which the worker replaces just before the agent runs. Markers of other names stay as they are.
   */
  secrets?: string[];
  tenant?: string;
  /** The run's `budget.tokens` and what its steps had spent when this attempt was queued; absent without a budget. */
  tokenBudget?: { limit: number; used: number };
  /**
   * W3C trace context of the span the worker's span continues (its logs carry the trace id). The
   * runtime sets the run's root: the submitting request's span (`runs.traceparent`).
   * `BullmqStepQueue.enqueue` may replace it with the span enqueueing it (see
   * `BullmqStepQueueOptions.traceparentOf`: the step whose result made the job ready), and fills in
   * one that is missing or malformed, so a consumed job always has one.
   */
  traceparent?: string;
  /** The `X-Request-Id` of the submission, on a run's first steps: the worker's log lines carry it. */
  requestId?: string;
}
