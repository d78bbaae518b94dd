import { randomUUID } from 'node:crypto';
import {
  KyselyEventRepository, KyselyRunRepository, KyselyStepRepository, type Db,
} from '@baton/db';
import { applyDecisionInPlace, decide, initialRun, type Command, type RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import type { CompiledWorkflow, WorkflowDefinition } from '@baton/workflow';
import { BatonError } from './errors';
import { GroupCommit, type CommittedCommands } from './group-commit';
import { PayloadStore } from './payload-store';
import { stepToRow } from './state-rows';
import type { RuntimeLogger, StepDispatcher } from './step-dispatcher';
import { WorkflowCache, definitionHash } from './workflow-cache';

export interface RuntimeOptions {
  db: Db;
  dispatcher: StepDispatcher;
  logger: RuntimeLogger;
  /** Notified of every finished run (metrics, live streams). */
  onRunFinished?: (run: { runId: string; tenant: string; status: string }) => void;
  maxBatch?: number;
  /** Outputs larger than this (JSON bytes) are stored once and passed by reference. @defaultValue 65536 */
  payloadThresholdBytes?: number;
}

export interface SubmitRequest {
  tenant: string;
  workflow: WorkflowDefinition;
  compiled?: CompiledWorkflow;
  input: unknown;
  priority?: number;
  idempotency?: { key: string; bodyHash: string };
  submittedBy?: string;
  template?: { name: string; version: number };
}

export interface QueuedJob {
  job: StepJob;
  priority: number;
  delayMs: number;
}

export interface SubmitResult {
  id: string;
  status: string;
  /** False when an idempotency key returned an earlier run. */
  created: boolean;
}

/**
 * The one place that applies events to runs, shared by api and worker: lock, load, decide,
 * persist, then dispatch after commit.
 */
export class Runtime {
  readonly repos = { runs: new KyselyRunRepository(), steps: new KyselyStepRepository(), events: new KyselyEventRepository() };
  readonly workflows = new WorkflowCache();
  readonly payloads: PayloadStore;
  private readonly commit: GroupCommit;

  constructor(private readonly options: RuntimeOptions) {
    this.payloads = new PayloadStore(options.db, options.payloadThresholdBytes);
    this.commit = new GroupCommit({
      db: options.db.kysely,
      repos: this.repos,
      workflows: this.workflows,
      maxBatch: options.maxBatch,
      afterCommit: (batch) => this.dispatch(batch),
    });
  }

  /** Applies an event through group commit; resolves once it is durable. */
  apply(runId: string, event: RunEvent, at?: Date): Promise<void> {
    return this.commit.apply(runId, event, at);
  }

  /**
   * Records a new run and its first steps in one transaction, then enqueues them.
   * @throws BatonError IDEMPOTENCY_CONFLICT when the key was used with another body.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const hash = definitionHash(request.workflow);
    const compiled = this.workflows.get(hash) ?? this.workflows.add(hash, request.workflow, request.compiled);
    const id = randomUUID();
    const now = new Date();
    const state = initialRun({ id, input: request.input ?? {}, priority: request.priority ?? 5, now });
    const decision = await decide(compiled, state, { type: 'run.submitted' }, now);
    applyDecisionInPlace(state, decision);
    const db = this.options.db.kysely;
    const outcome = await db.transaction().execute(async (tx) => {
      await this.repos.runs.insert(tx, {
        id, tenant: request.tenant, status: 'queued', workflow_name: request.workflow.name,
        template: request.template?.name ?? null, template_version: request.template?.version ?? null,
        definition: request.workflow, definition_hash: hash, input: state.input, priority: state.priority,
        submitted_by: request.submittedBy ?? null, created_at: now, started_at: null, finished_at: null, output: null, error: null,
      });
      if (request.idempotency) {
        const existing = await this.repos.runs.claimIdempotencyKey(tx, { tenant: request.tenant, ...request.idempotency, runId: id, now });
        if (existing) throw new RollbackForIdempotency(existing);
      }
      await this.repos.steps.upsert(tx, Object.values(state.steps).map((s) => stepToRow(id, s)));
      const emits = decision.commands.flatMap((c) => (c.type === 'emit' ? [c.event] : []));
      const events = emits.map((e, i) => ({ run_id: id, seq: i + 1, type: e.type, key: e.key ?? null, data: e.data ?? null, at: now }));
      await this.repos.runs.update(tx, [{
        id, status: state.status, output: state.output, error: state.error, context: state.context,
        started_at: null, finished_at: state.finishedAt ? new Date(state.finishedAt) : null, event_seq: events.length,
      }]);
      await this.repos.events.append(tx, events);
      return { existing: undefined };
    }).catch((err: unknown) => {
      if (err instanceof RollbackForIdempotency) return { existing: err.existing };
      throw err;
    });
    if (outcome.existing) return this.replay(request, outcome.existing);
    await this.dispatch([{ runId: id, tenant: request.tenant, commands: decision.commands }]);
    return { id, status: state.status, created: true };
  }

  private async replay(request: SubmitRequest, existing: { bodyHash: string; runId: string }): Promise<SubmitResult> {
    if (existing.bodyHash !== request.idempotency!.bodyHash) {
      throw new BatonError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body');
    }
    const run = await this.repos.runs.get(this.options.db.kysely, request.tenant, existing.runId);
    return { id: existing.runId, status: run?.status ?? 'queued', created: false };
  }

  cancel(runId: string): Promise<void> {
    return this.apply(runId, { type: 'run.cancelled' });
  }

  get db() {
    return this.options.db.kysely;
  }

  /** Rebuilds the jobs of live attempts from what Postgres holds; the reconciler re-enqueues them. */
  async jobsFor(targets: Array<{ runId: string; key: string; attempt: number }>): Promise<QueuedJob[]> {
    if (targets.length === 0) return [];
    const db = this.options.db.kysely;
    const runIds = [...new Set(targets.map((t) => t.runId))];
    const heads = new Map((await this.repos.runs.heads(db, runIds)).map((h) => [h.id, h]));
    const missing = [...heads.values()].filter((h) => !this.workflows.get(h.definition_hash));
    if (missing.length > 0) {
      const definitions = await this.repos.runs.definitions(db, missing.map((h) => h.id));
      for (const h of missing) this.workflows.add(h.definition_hash, definitions.get(h.id) as WorkflowDefinition);
    }
    const wanted = new Set(targets.map((t) => `${t.runId}|${t.key}|${t.attempt}`));
    const rows = (await this.repos.steps.forRuns(db, runIds)).filter((r) => wanted.has(`${r.run_id}|${r.key}|${r.attempt}`));
    return rows.flatMap((row) => {
      const head = heads.get(row.run_id);
      const def = head && this.workflows.get(head.definition_hash)?.steps.get(row.step_id)?.def;
      if (!head || !def || !row.agent) return [];
      const context = head.context as Record<string, unknown>;
      const readable = def.contextAccess?.read;
      const job: StepJob = {
        runId: row.run_id, key: row.key, attempt: row.attempt, agent: row.agent, input: row.input,
        timeoutMs: def.timeoutMs, tenant: head.tenant,
        context: readable ? Object.fromEntries(readable.filter((k) => k in context).map((k) => [k, context[k]])) : context,
      };
      return [{ job, priority: head.priority, delayMs: 0 }];
    });
  }

  async enqueueJobs(jobs: QueuedJob[]): Promise<void> {
    if (jobs.length > 0) await this.options.dispatcher.enqueue(jobs);
  }

  /** Waits until every event handed to `apply` is committed and dispatched. */
  drain(): Promise<void> {
    return this.commit.idle();
  }

  private async dispatch(batch: CommittedCommands[]): Promise<void> {
    const jobs: QueuedJob[] = [];
    const cancels: Array<{ runId: string; key: string; attempt: number; agent: string | null }> = [];
    for (const { runId, tenant, commands } of batch) {
      for (const c of commands) this.collect(runId, tenant, c, jobs, cancels);
    }
    try {
      if (jobs.length > 0) await this.options.dispatcher.enqueue(jobs);
      if (cancels.length > 0) await this.options.dispatcher.cancel(cancels);
    } catch (err) {
      // The state is committed: the reconciler re-enqueues what Redis did not take.
      this.options.logger.warn('dispatch failed; the reconciler will re-enqueue', { error: String(err) });
    }
  }

  private collect(
    runId: string, tenant: string, c: Command,
    jobs: QueuedJob[],
    cancels: Array<{ runId: string; key: string; attempt: number; agent: string | null }>,
  ): void {
    switch (c.type) {
      case 'enqueue':
        jobs.push({
          job: { runId, key: c.key, attempt: c.attempt, agent: c.agent, input: c.input, timeoutMs: c.timeoutMs, context: c.context, tenant },
          priority: c.priority,
          delayMs: c.delayMs,
        });
        return;
      case 'cancel':
        cancels.push({ runId, key: c.key, attempt: c.attempt, agent: c.agent ?? null });
        return;
      case 'finish':
        this.options.onRunFinished?.({ runId, tenant, status: c.status });
        return;
      case 'startChildRun':
        // Sub-workflows need templates, which validation does not accept yet.
        this.options.logger.error('sub-workflow steps are not supported yet', { runId, key: c.key });
        return;
      case 'emit':
        return;
    }
  }
}

class RollbackForIdempotency extends Error {
  constructor(readonly existing: { bodyHash: string; runId: string }) {
    super('idempotency key taken');
  }
}
