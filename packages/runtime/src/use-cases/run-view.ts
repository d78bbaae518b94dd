import type { RunRow, StepRow } from '@baton/db';
import type { TokenUsage } from '@baton/engine';
import type { AttemptLogEntry } from './attempt-log';

/** A run as `GET /v1/runs/:id` shows it (API.md); absent optional fields are left out, never null. */
export interface RunView {
  id: string;
  status: string;
  template?: string;
  version?: number;
  workflow: string;
  input: unknown;
  output?: unknown;
  error?: unknown;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** A sub-workflow's run: the run and the step that started it. */
  parentRunId?: string;
  parentStepKey?: string;
  /** The model tokens its steps spent, every attempt included (absent: none reported). */
  usage?: TokenUsage;
  /** A fork's origin: the run it was forked from and the step it re-ran from. */
  forkedFrom?: { id: string; step: string; links: { self: string } };
  /** Who paused a paused run (a principal's subject, or `template:<name>`). */
  pausedBy?: string;
  steps: StepView[];
}

export interface StepView {
  id: string;
  key: string;
  status: string;
  agent?: string;
  attempts: number;
  /** Every try of the entry, those before a retry of the run included (see `attemptLogs`). */
  attemptLog?: AttemptLogEntry[];
  output?: unknown;
  error?: unknown;
  reason?: string;
  startedAt?: string;
  finishedAt?: string;
  /** A queued step that cannot start: no live worker serves its agent (API.md). */
  waitingFor?: { agent: string; reason: string };
  /** A `waiting` step: the signal it waits for (`POST /v1/runs/:id/signals/:signal`) and when it times out (absent: never). */
  waitingForSignal?: { signal: string; timeoutAt?: string };
  /** A sub-workflow step: the child run of its current attempt. */
  childRunId?: string;
  /** The model tokens this entry spent, every attempt included (absent: none reported). */
  usage?: TokenUsage;
}

/** One row of `GET /v1/runs`. */
export interface RunSummary {
  id: string;
  status: string;
  workflow: string;
  template?: string;
  version?: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

type SummaryRow = Pick<RunRow, 'id' | 'status' | 'workflow_name' | 'template' | 'template_version' | 'created_at' | 'started_at' | 'finished_at'>;

/** Copies the entries whose value is neither null nor undefined. */
function present<T extends object>(fields: { [K in keyof T]: T[K] | null | undefined }): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

const iso = (d: Date | string | null): string | undefined => (d === null ? undefined : new Date(d).toISOString());

export function toRunSummary(row: SummaryRow): RunSummary {
  return {
    id: row.id,
    status: row.status,
    workflow: row.workflow_name,
    ...present<Pick<RunSummary, 'template' | 'version'>>({ template: row.template, version: row.template_version }),
    createdAt: iso(row.created_at)!,
    ...present<Pick<RunSummary, 'startedAt' | 'finishedAt'>>({ startedAt: iso(row.started_at), finishedAt: iso(row.finished_at) }),
  };
}

export function toStepView(row: StepRow): StepView {
  return {
    id: row.step_id,
    key: row.key,
    status: row.status,
    ...present<Pick<StepView, 'agent'>>({ agent: row.agent }),
    attempts: row.attempt,
    ...present<Pick<StepView, 'output' | 'error' | 'reason' | 'startedAt' | 'finishedAt'>>({
      output: row.output, error: row.error, reason: row.reason, startedAt: iso(row.started_at), finishedAt: iso(row.finished_at),
    }),
    ...waitingForSignal(row),
  };
}

function waitingForSignal(row: StepRow): Pick<StepView, 'waitingForSignal'> {
  if (row.status !== 'waiting') return {};
  const { signal } = row.input as { signal: string };
  return { waitingForSignal: row.deadline_at === null ? { signal } : { signal, timeoutAt: iso(row.deadline_at)! } };
}

/** The step ids of a stored definition, in definition order. */
function definitionOrder(definition: unknown): Map<string, number> {
  const steps = (definition as { steps?: unknown } | null)?.steps;
  const order = new Map<string, number>();
  if (Array.isArray(steps)) steps.forEach((s: { id?: unknown }, i) => typeof s?.id === 'string' && order.set(s.id, i));
  return order;
}

const byChildOrder = (a: StepRow, b: StepRow): number =>
  (a.idx ?? Infinity) - (b.idx ?? Infinity) || (a.hop ?? Infinity) - (b.hop ?? Infinity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * A stable order for a run's entries: top-level steps in definition order, each followed by its
 * children (forEach items by index, hand-off hops by hop number), depth first. Entries whose parent
 * is missing come last, so nothing is ever dropped.
 */
export function orderSteps(rows: StepRow[], definition: unknown): StepRow[] {
  const order = definitionOrder(definition);
  const keys = new Set(rows.map((r) => r.key));
  const children = new Map<string, StepRow[]>();
  const roots: StepRow[] = [];
  for (const row of rows) {
    if (row.parent_key !== null && keys.has(row.parent_key)) {
      const list = children.get(row.parent_key) ?? [];
      list.push(row);
      children.set(row.parent_key, list);
    } else roots.push(row);
  }
  roots.sort((a, b) => (order.get(a.step_id) ?? Infinity) - (order.get(b.step_id) ?? Infinity) || byChildOrder(a, b));
  const out: StepRow[] = [];
  const seen = new Set<string>();
  const visit = (row: StepRow): void => {
    if (seen.has(row.key)) return;
    seen.add(row.key);
    out.push(row);
    for (const child of (children.get(row.key) ?? []).sort(byChildOrder)) visit(child);
  };
  for (const root of roots) visit(root);
  // A parent cycle in corrupt data leaves rows unvisited: show them rather than lose them.
  for (const row of rows) if (!seen.has(row.key)) visit(row);
  return out;
}

export function toRunView(run: RunRow, steps: StepRow[]): RunView {
  return {
    id: run.id,
    status: run.status,
    ...present<Pick<RunView, 'template' | 'version'>>({ template: run.template, version: run.template_version }),
    workflow: run.workflow_name,
    input: run.input,
    ...present<Pick<RunView, 'output' | 'error'>>({ output: run.output, error: run.error }),
    createdAt: iso(run.created_at)!,
    ...present<Pick<RunView, 'startedAt' | 'finishedAt'>>({ startedAt: iso(run.started_at), finishedAt: iso(run.finished_at) }),
    ...present<Pick<RunView, 'usage'>>({ usage: run.usage as TokenUsage | null }),
    ...(run.forked_from ? { forkedFrom: { id: run.forked_from, step: run.forked_from_step!, links: { self: `/v1/runs/${run.forked_from}` } } } : {}),
    ...(run.status === 'paused' && run.paused_by ? { pausedBy: run.paused_by } : {}),
    steps: orderSteps(steps, run.definition).map(toStepView),
  };
}
