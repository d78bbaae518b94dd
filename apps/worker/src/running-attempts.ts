import { formatTraceparent, newSpanId, type TraceContext } from '@baton/queue';

const attemptId = (t: { runId: string; key: string; attempt: number }) => `${t.runId}|${t.key}|${t.attempt}`;

/** What a running attempt can be told, and the trace its work belongs to. */
export interface RunningAttempt {
  runId: string;
  key: string;
  attempt: number;
  abort(reason: Error): void;
  /** The attempt's own span: the parent of the jobs its result enqueues. */
  trace?: TraceContext;
}

/**
 * The attempts running in this worker: to abort one (a cancellation arrives by pub/sub) or all
 * (shutdown), and to say which trace a run's next jobs continue.
 */
export class RunningAttempts {
  private readonly byId = new Map<string, RunningAttempt>();
  private readonly byRun = new Map<string, Set<RunningAttempt>>();

  add(attempt: RunningAttempt): void {
    this.byId.set(attemptId(attempt), attempt);
    const ofRun = this.byRun.get(attempt.runId) ?? new Set();
    ofRun.add(attempt);
    this.byRun.set(attempt.runId, ofRun);
  }

  delete(attempt: RunningAttempt): void {
    if (this.byId.get(attemptId(attempt)) === attempt) this.byId.delete(attemptId(attempt));
    const ofRun = this.byRun.get(attempt.runId);
    ofRun?.delete(attempt);
    if (ofRun?.size === 0) this.byRun.delete(attempt.runId);
  }

  /** Aborts the attempt if it runs here. */
  abort(target: { runId: string; key: string; attempt: number }, reason: Error): void {
    this.byId.get(attemptId(target))?.abort(reason);
  }

  abortAll(reason: Error): void {
    for (const attempt of this.byId.values()) attempt.abort(reason);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * The `traceparent` for a job of `runId` enqueued now: the span of the attempt of that run that
   * started last (its result is what a group commit is recording), undefined when none runs here.
   */
  traceparentOf(runId: string): string | undefined {
    const ofRun = this.byRun.get(runId);
    if (!ofRun) return undefined;
    let last: RunningAttempt | undefined;
    for (const attempt of ofRun) if (attempt.trace) last = attempt;
    return last?.trace ? formatTraceparent(last.trace) : undefined;
  }
}

/** The span of one execution of an attempt: in the trace its job's `traceparent` names, with a span id of its own. */
export function attemptTrace(parent: TraceContext | undefined): TraceContext | undefined {
  return parent ? { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags } : undefined;
}
