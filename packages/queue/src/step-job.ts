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
  /**
   * W3C trace context of the span that enqueued the job, so that the worker's span joins the same
   * trace (its logs carry the trace id). Whoever builds a job may set it: the api, from the
   * submitting request's `traceparent` header, for a run's first steps. `BullmqStepQueue.enqueue`
   * fills in one that is missing or malformed (see `BullmqStepQueueOptions.traceparentOf`), so a
   * consumed job always has one.
   */
  traceparent?: string;
}
