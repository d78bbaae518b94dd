import { authorize, type Principal } from '@baton/auth';
import type { RunEventRow, RunHistoryPage } from '@baton/db';
import { FINAL_RUN_STATUSES, type RunStatus } from '@baton/engine';
import { linkPayloads } from './hydrate-within';
import { runNotFound } from './load-run';
import { isUuid } from './run-cursor';
import type { UseCaseDeps } from './use-case-deps';

/**
 * One event of a run's history, as `GET /v1/runs/:id/history` and the SSE stream show it: its
 * number in the run (`seq`, gapless from 1), type, time, the step entry and attempt it is about
 * where there is one, and the rest of what it says (`data`; a stored value as a `$ref` link).
 */
export interface RunEventView {
  seq: number;
  type: string;
  at: string;
  key?: string;
  attempt?: number;
  data?: Record<string, unknown>;
}

export interface RunHistoryInput {
  id: string;
  /** Events after this sequence number. @defaultValue 0 */
  after?: number;
  /** 1 to {@link MAX_HISTORY_PAGE}. @defaultValue 100 */
  limit?: number;
}

export interface RunHistory {
  items: RunEventView[];
  /** Present when there are more: pass it as `after` for the next page. */
  nextCursor?: number;
}

/** The most events one history page holds. */
export const MAX_HISTORY_PAGE = 1000;

/** A page of events read with the run's state at that moment. */
export interface HistorySlice {
  events: RunEventView[];
  /** The run's last event number when the page was read. */
  lastSeq: number;
  status: RunStatus;
}

export function toEventView(row: RunEventRow): RunEventView {
  const view: RunEventView = { seq: row.seq, type: row.type, at: row.at.toISOString() };
  if (row.key !== null) view.key = row.key;
  if (row.data === null || typeof row.data !== 'object') return view;
  const { attempt, ...rest } = row.data as Record<string, unknown>;
  if (typeof attempt === 'number') view.attempt = attempt;
  else if (attempt !== undefined) rest.attempt = attempt;
  if (Object.keys(rest).length > 0) view.data = linkPayloads(rest) as Record<string, unknown>;
  return view;
}

export function toHistorySlice(page: RunHistoryPage): HistorySlice {
  return { events: page.events.map(toEventView), lastSeq: page.lastSeq, status: page.status as RunStatus };
}

/** Whether a reader that has seen every event up to `seen` has seen the run's last one: the run is over and nothing follows. */
export const historyEnded = (slice: Pick<HistorySlice, 'lastSeq' | 'status'>, seen: number): boolean =>
  FINAL_RUN_STATUSES.has(slice.status) && seen >= slice.lastSeq;

/**
 * Up to `limit` events of the caller's run after `after`, with the run's status and last number
 * read in the same statement (the SSE stream's replay and its live reads).
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND (a malformed id, another tenant's run)
 */
export async function readHistory(deps: Pick<UseCaseDeps, 'queries'>, principal: Principal, id: string, after: number, limit: number): Promise<HistorySlice> {
  authorize(principal, 'run.read');
  const page = isUuid(id) ? await deps.queries.history(principal.tenant, id, after, limit) : undefined;
  if (!page) throw runNotFound(id);
  return toHistorySlice(page);
}

/**
 * A page of the caller's run's history, oldest first.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND
 */
export async function getRunHistory(deps: Pick<UseCaseDeps, 'queries'>, principal: Principal, input: RunHistoryInput): Promise<RunHistory> {
  const limit = input.limit ?? 100;
  const { events, lastSeq } = await readHistory(deps, principal, input.id, input.after ?? 0, limit);
  const last = events[events.length - 1];
  return last && events.length === limit && last.seq < lastSeq ? { items: events, nextCursor: last.seq } : { items: events };
}
