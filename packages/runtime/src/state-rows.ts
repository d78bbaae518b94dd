import type { RunHead, RunUpdate, StepRow, StepWrite } from '@baton/db';
import type { RunState, StepState, StepError } from '@baton/engine';

const iso = (d: Date | null): string | undefined => (d ? d.toISOString() : undefined);

/** Drops undefined fields so states loaded from rows compare equal to the engine's own. */
function compact<T extends object>(value: T): T {
  for (const k of Object.keys(value) as (keyof T)[]) if (value[k] === undefined) delete value[k];
  return value;
}

export function stepFromRow(row: StepRow): StepState {
  return compact({
    key: row.key,
    stepId: row.step_id,
    agent: row.agent,
    status: row.status as StepState['status'],
    attempt: row.attempt,
    parentKey: row.parent_key ?? undefined,
    index: row.idx ?? undefined,
    hop: row.hop ?? undefined,
    input: row.input ?? undefined,
    output: row.output ?? undefined,
    error: (row.error as StepError | null) ?? undefined,
    reason: row.reason ?? undefined,
    items: (row.items as unknown[] | null) ?? undefined,
    handoff: (row.handoff as StepState['handoff'] | null) ?? undefined,
    queuedAt: iso(row.queued_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    deadlineAt: iso(row.deadline_at),
    nextChild: row.next_child ?? undefined,
    childrenSucceeded: row.children_succeeded ?? undefined,
    priorAttempts: row.prior_attempts ?? undefined,
    heldUntil: iso(row.held_until),
  });
}

export function stepToRow(runId: string, s: StepState): StepWrite {
  return {
    run_id: runId,
    key: s.key,
    step_id: s.stepId,
    agent: s.agent,
    status: s.status,
    attempt: s.attempt,
    parent_key: s.parentKey ?? null,
    idx: s.index ?? null,
    hop: s.hop ?? null,
    input: s.input ?? null,
    output: s.output ?? null,
    error: s.error ?? null,
    reason: s.reason ?? null,
    items: s.items ?? null,
    handoff: s.handoff ?? null,
    queued_at: s.queuedAt ?? null,
    started_at: s.startedAt ?? null,
    finished_at: s.finishedAt ?? null,
    deadline_at: s.deadlineAt ?? null,
    next_child: s.nextChild ?? null,
    children_succeeded: s.childrenSucceeded ?? null,
    prior_attempts: s.priorAttempts ?? null,
    held_until: s.heldUntil ?? null,
  };
}

export function runFromHead(head: RunHead, steps: Record<string, StepState>): RunState {
  return compact({
    id: head.id,
    status: head.status as RunState['status'],
    input: head.input,
    context: (head.context ?? {}) as Record<string, unknown>,
    priority: head.priority,
    output: head.output ?? undefined,
    error: (head.error as StepError | null) ?? undefined,
    createdAt: head.created_at.toISOString(),
    startedAt: iso(head.started_at),
    finishedAt: iso(head.finished_at),
    usedBytes: head.used_bytes > 0 ? head.used_bytes : undefined,
    allowedAgents: (head.allowed_agents as string[] | null | undefined) ?? undefined,
    signals: (head.signals as Record<string, unknown> | null | undefined) ?? undefined,
    usage: (head.usage as RunState['usage'] | null | undefined) ?? undefined,
    pausedBy: head.paused_by ?? undefined,
    steps,
  });
}

export function runUpdate(state: RunState, eventSeq: number): RunUpdate {
  return {
    id: state.id,
    status: state.status,
    output: state.output,
    error: state.error,
    context: state.context,
    started_at: state.startedAt ?? null,
    finished_at: state.finishedAt ?? null,
    event_seq: eventSeq,
    used_bytes: state.usedBytes ?? 0,
    signals: state.signals ?? null,
    usage: state.usage ?? null,
    paused_by: state.pausedBy ?? null,
  };
}
