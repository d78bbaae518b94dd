/** One try of an entry, as `GET /v1/runs/:id` shows it in `attemptLog` (API.md). */
export interface AttemptLogEntry {
  attempt: number;
  /** The worker that ran it, when its start was recorded by one. */
  worker?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why this try failed (`TIMEOUT`, `AGENT_ERROR`, …), or `CANCELLED` when the run was cancelled during it. */
  error?: unknown;
}

/** The part of a history event the log is read from. */
export interface AttemptEvent {
  type: string;
  key: string | null;
  data: unknown;
  at: Date;
}

const ENDS_IN_ERROR = new Set(['step.retrying', 'step.failed']);
const ENDS = new Set([...ENDS_IN_ERROR, 'step.succeeded']);
const STARTS = new Set(['step.started', 'step.waiting']);

/**
 * Every try of every entry, read back from the run's history rather than written beside it: the
 * events already say when each attempt was queued, started and ended, and with what error. So a
 * retried run keeps the errors of the attempts before its retry, at no cost on the hot path.
 * Attempts are in order; an entry with no attempt (a forEach parent, a skipped step) has none.
 */
export function attemptLogs(events: Iterable<AttemptEvent>): Map<string, AttemptLogEntry[]> {
  const logs = new Map<string, Map<number, AttemptLogEntry>>();
  for (const { type, key, data, at } of events) {
    if (key === null || !type.startsWith('step.')) continue;
    const { attempt, error, reason, worker } = (data ?? {}) as { attempt?: unknown; error?: unknown; reason?: unknown; worker?: unknown };
    let log = logs.get(key);
    if (type === 'step.cancelled') {
      // A cancellation names no attempt: it ends the one in flight, if any.
      const last = log && log.get(Math.max(...log.keys()));
      if (last && last.finishedAt === undefined) Object.assign(last, { finishedAt: at.toISOString(), error: { code: 'CANCELLED', message: reason } });
      continue;
    }
    if (typeof attempt !== 'number' || attempt < 1) continue;
    if (!log) logs.set(key, (log = new Map()));
    let entry = log.get(attempt);
    if (!entry) log.set(attempt, (entry = { attempt }));
    if (STARTS.has(type)) {
      entry.startedAt ??= at.toISOString();
      if (typeof worker === 'string') entry.worker ??= worker;
    }
    // An expression that fails a re-run step reports its last attempt again: the first end stands.
    else if (ENDS.has(type) && entry.finishedAt === undefined) {
      entry.finishedAt = at.toISOString();
      if (ENDS_IN_ERROR.has(type) && error !== undefined) entry.error = error;
    }
  }
  return new Map([...logs].map(([key, log]) => [key, [...log.values()].sort((a, b) => a.attempt - b.attempt)]));
}
