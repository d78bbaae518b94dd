import type { NewRun } from '@baton/db';
import { BatonError } from '@baton/core';
import { FINAL_RUN_STATUSES, type Command, type EmittedEvent, type RunState, type StepState } from '@baton/engine';
import type { CompiledWorkflow, WorkflowDefinition } from '@baton/workflow';
import type { PayloadStore } from './payload-store';
import type { RunStore } from './run-store';
import { stepToRow } from './state-rows';
import type { ConcurrencySlot } from './concurrency-slot';

/** A run to record: what `Runtime.submit` was asked for. */
export interface SubmitRequest {
  tenant: string;
  workflow: WorkflowDefinition;
  compiled?: CompiledWorkflow;
  /** `definitionHash(workflow)`, when the caller has it already. */
  definitionHash?: string;
  input: unknown;
  priority?: number;
  idempotency?: { key: string; bodyHash: string };
  submittedBy?: string;
  /** W3C `traceparent` of the submitting request: the run's root in traces, the parent of its first jobs. */
  traceparent?: string;
  /** The submitting request's `X-Request-Id`, carried by the run's first jobs into the worker's log lines. */
  requestId?: string;
  /** The submitter's agent allow-list (`Principal.agents`), kept with the run for its hand-offs; absent means every agent. */
  allowedAgents?: readonly string[];
  template?: { name: string; version: number };
  /**
   * The run's concurrency slot (`<workflow>/<value of concurrency.key>`) and its limit: without a
   * free slot it is recorded waiting, with no steps, and starts when a holder of its key finishes.
   */
  concurrency?: ConcurrencySlot;
  /** A sub-workflow's child: the parent step attempt that starts it, linked in the admission's transaction. */
  parent?: { runId: string; key: string; attempt: number; depth: number };
  /** Admit the run paused by this (`template:<name>` for a paused template): its first steps are held until it is resumed. */
  pausedBy?: string;
  /**
   * A fork of run `from` re-run from `step`: `steps` are the entries copied from it (kept as they
   * are), and `step` runs with `input` when given.
   */
  fork?: { from: string; step: string; input?: unknown; by?: string; steps: StepState[] };
}

export interface SubmitResult {
  id: string;
  status: string;
  /** False when an idempotency key returned an earlier run. */
  created: boolean;
}

/** A submission decided and waiting for its admission batch. */
export interface Admission {
  request: SubmitRequest;
  hash: string;
  state: RunState;
  commands: Command[];
  now: Date;
}

export const emitted = (commands: readonly Command[]): EmittedEvent[] => commands.flatMap((c) => (c.type === 'emit' ? [c.event] : []));

/**
 * Admits a batch of submissions in one transaction: idempotency keys claimed in one statement,
 * runs, steps and events inserted in another, large step inputs stored by reference. A key claimed
 * twice within the batch is held by its first claim. Answers each member's result (or its
 * `IDEMPOTENCY_CONFLICT`) and the members that made a new run, whose commands are then dispatched.
 */
export async function admit(
  store: RunStore, payloads: PayloadStore, batch: Admission[],
): Promise<{ results: Array<SubmitResult | Error>; created: Admission[]; waiting: Set<string> }> {
  const keyOf = (tenant: string, key: string) => `${tenant}\u0000${key}`;
  let taken = new Map<string, { bodyHash: string; runId: string }>();
  const holderOf = (a: Admission) => a.request.idempotency && taken.get(keyOf(a.request.tenant, a.request.idempotency.key));
  // Compaction rewrites step inputs in place: they are put back if the transaction fails, so that
  // a retry of these submissions stores their payloads again.
  const inputs = batch.flatMap((a) => a.commands.flatMap((c) => (c.type === 'enqueue' ? [{ a, c, input: c.input }] : [])));
  const restore = (err: unknown) => {
    for (const { a, c, input } of inputs) a.state.steps[c.key]!.input = c.input = input;
    throw err;
  };
  const { statuses, waiting } = await store.transaction(async (tx) => {
    const claims = batch.flatMap(({ request, state, now }) =>
      request.idempotency
        ? [{ tenant: request.tenant, key: request.idempotency.key, body_hash: request.idempotency.bodyHash, run_id: state.id, created_at: now.toISOString() }]
        : [],
    );
    const holders = await tx.claimIdempotencyKeys(claims);
    taken = new Map(holders.map((h) => [keyOf(h.tenant, h.key), { bodyHash: h.bodyHash, runId: h.runId }]));
    const admitted = batch.filter((a) => (holderOf(a)?.runId ?? a.state.id) === a.state.id);
    const slotClaims = admitted.flatMap(({ request, state }) =>
      request.concurrency && !FINAL_RUN_STATUSES.has(state.status)
        ? [{ runId: state.id, tenant: request.tenant, key: request.concurrency.key, limit: request.concurrency.limit, pool: request.concurrency.pool, createdAt: state.createdAt }]
        : []);
    const granted = await tx.takeSlots(slotClaims);
    // A run without a slot is recorded as it was before the engine saw it: run.submitted starts it later.
    const waiting = new Set(slotClaims.filter((c) => !granted.has(c.runId)).map((c) => c.runId));
    const started = admitted.filter((a) => !waiting.has(a.state.id));
    // A large run input passed to a step travels by reference, like a large output.
    const compactor = payloads.compactor([]);
    for (const a of started) {
      for (const c of a.commands) {
        if (c.type !== 'enqueue') continue;
        c.input = compactor.compact(a.state.id, c.input);
        a.state.steps[c.key]!.input = c.input;
      }
    }
    await tx.insertRuns({
      runs: admitted.map((a) => (waiting.has(a.state.id) ? waitingRunRow(a) : newRunRow(a))),
      // A run waiting for its slot has no steps yet, but a fork's copied ones.
      steps: admitted.flatMap((a) => (waiting.has(a.state.id) ? (a.request.fork?.steps ?? []) : Object.values(a.state.steps)).map((s) => stepToRow(a.state.id, s))),
      events: started.flatMap((a) =>
        emitted(a.commands).map((e, i) => ({ run_id: a.state.id, seq: i + 1, type: e.type, key: e.key ?? null, data: e.data ?? null, at: a.now })),
      ),
    });
    await tx.linkChildren(admitted.flatMap(({ request: { parent }, state }) =>
      parent ? [{ childRunId: state.id, parentRunId: parent.runId, parentStepKey: parent.key, parentAttempt: parent.attempt, depth: parent.depth }] : []));
    await compactor.flush(tx, new Date());
    const replayed = [...new Set([...taken.values()].map((t) => t.runId))];
    return { statuses: new Map((await tx.heads(replayed)).map((h) => [h.id, h.status])), waiting };
  }).catch(restore);
  const results = batch.map((a): SubmitResult | Error => {
    const holder = holderOf(a);
    if (!holder || holder.runId === a.state.id) return { id: a.state.id, status: waiting.has(a.state.id) ? 'queued' : a.state.status, created: true };
    if (holder.bodyHash !== a.request.idempotency!.bodyHash) {
      return new BatonError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body');
    }
    const sibling = batch.find((b) => b.state.id === holder.runId);
    return { id: holder.runId, status: sibling?.state.status ?? statuses.get(holder.runId) ?? 'queued', created: false };
  });
  return { results, created: batch.filter((_, i) => !(results[i] instanceof Error) && (results[i] as SubmitResult).created), waiting };
}

/** The row of a run waiting for a concurrency slot: queued, no context, no events yet. */
function waitingRunRow(a: Admission): NewRun {
  const status = a.request.pausedBy === undefined ? 'queued' : 'paused';
  return { ...newRunRow(a), status, output: null, error: null, context: {}, event_seq: 0, started_at: null, finished_at: null, used_bytes: 0 };
}

function newRunRow({ request, hash, state, commands }: Admission): NewRun {
  return {
    id: state.id, tenant: request.tenant, status: state.status, workflow_name: request.workflow.name,
    template: request.template?.name ?? null, template_version: request.template?.version ?? null,
    definition: request.workflow, definition_hash: hash, input: state.input, output: state.output ?? null,
    error: state.error ?? null, context: state.context, priority: state.priority, event_seq: emitted(commands).length,
    submitted_by: request.submittedBy ?? null, created_at: state.createdAt, started_at: state.startedAt ?? null, traceparent: request.traceparent ?? null,
    finished_at: state.finishedAt ?? null, used_bytes: state.usedBytes ?? 0, allowed_agents: state.allowedAgents ?? null,
    paused_by: state.pausedBy ?? null, forked_from: request.fork?.from ?? null, forked_from_step: request.fork?.step ?? null,
  };
}
