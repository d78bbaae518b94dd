import { randomUUID } from 'node:crypto';
import {
  KyselyRunRepository, KyselyStepRepository, UnstorableValueError, claimIdempotencyKeys, insertRuns, type Db, type NewRun,
} from '@baton/db';
import { applyDecisionInPlace, decide, initialRun, readableContext, type Command, type RunEvent, type RunLimits, type RunState } from '@baton/engine';
import { BatchQueue } from './batch-queue';
import type { StepJob } from '@baton/queue';
import { unstorableStrings, type CompiledWorkflow, type WorkflowDefinition } from '@baton/workflow';
import { unavailableDependency } from './dependency-errors';
import { BatonError } from './errors';
import { refuseOverLimit } from './refuse-over-limit';
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
  /** What a run may hold and build (bytes, forEach items, entries); the engine's defaults where absent. */
  limits?: Partial<RunLimits>;
}

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
  readonly repos = { runs: new KyselyRunRepository(), steps: new KyselyStepRepository() };
  readonly workflows = new WorkflowCache();
  readonly payloads: PayloadStore;
  private readonly commit: GroupCommit;
  private readonly intake: BatchQueue<Admission, SubmitResult>;

  constructor(private readonly options: RuntimeOptions) {
    this.payloads = new PayloadStore(options.db, options.payloadThresholdBytes);
    // A batch that fails is retried in parts, so that one submission's fault is its answer alone.
    const isolate = (err: unknown) => unavailableDependency(err) === undefined;
    this.intake = new BatchQueue((batch) => this.admit(batch), { maxBatch: options.maxBatch, isolate });
    this.commit = new GroupCommit({
      payloads: this.payloads,
      db: options.db.kysely,
      repos: this.repos,
      workflows: this.workflows,
      maxBatch: options.maxBatch,
      isolate,
      limits: options.limits,
      afterCommit: (batch) => this.dispatch(batch),
      onEventFailed: (runId, event, err) => options.logger.error('the engine could not decide an event', { runId, event: event.type, error: err.message, stack: err.stack }),
    });
  }

  /** Applies an event through group commit; resolves once it is durable. */
  apply(runId: string, event: RunEvent, at?: Date): Promise<void> {
    return this.commit.apply(runId, event, at);
  }

  /**
   * Records a new run and its first steps, then enqueues them. Submissions arriving together are
   * admitted in one transaction (one statement for the idempotency keys, one for runs, steps and
   * events) with synchronous commit: an accepted run is never lost.
   * @throws BatonError IDEMPOTENCY_CONFLICT when the key was used with another body; VALIDATION_FAILED
   * naming the paths when the definition or input holds text Postgres cannot store.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const hash = request.definitionHash ?? definitionHash(request.workflow);
    const compiled = this.workflows.get(hash) ?? this.workflows.add(hash, request.workflow, request.compiled);
    const id = randomUUID();
    const now = new Date();
    const state = initialRun({ id, input: request.input ?? {}, priority: request.priority ?? 5, now });
    const decision = await decide(compiled, state, { type: 'run.submitted' }, now, { limits: this.options.limits });
    refuseOverLimit(compiled, decision);
    applyDecisionInPlace(state, decision);
    return this.intake.push({ request, hash, state, commands: decision.commands, now }).catch((err: unknown) => {
      throw unstorableSubmission(err, request);
    });
  }

  private async admit(batch: Admission[]): Promise<Array<SubmitResult | Error>> {
    let taken = new Map<string, { bodyHash: string; runId: string }>();
    const holderOf = (a: Admission) => a.request.idempotency && taken.get(`${a.request.tenant}\u0000${a.request.idempotency.key}`);
    // Compaction rewrites step inputs in place: they are put back if the transaction fails, so that
    // a retry of these submissions stores their payloads again.
    const inputs = batch.flatMap((a) => a.commands.flatMap((c) => (c.type === 'enqueue' ? [{ a, c, input: c.input }] : [])));
    const restore = (err: unknown) => {
      for (const { a, c, input } of inputs) a.state.steps[c.key]!.input = c.input = input;
      throw err;
    };
    const { statuses } = await this.options.db.kysely.transaction().execute(async (tx) => {
      const claims = batch.flatMap(({ request, state, now }) =>
        request.idempotency
          ? [{ tenant: request.tenant, key: request.idempotency.key, body_hash: request.idempotency.bodyHash, run_id: state.id, created_at: now.toISOString() }]
          : [],
      );
      taken = await claimIdempotencyKeys(tx, claims);
      // A key claimed twice within this batch is held by the first claim: that submission is admitted.
      const admitted = batch.filter((a) => (holderOf(a)?.runId ?? a.state.id) === a.state.id);
      // A large run input passed to a step travels by reference, like a large output.
      const compactor = this.payloads.compactor([]);
      for (const a of admitted) {
        for (const c of a.commands) {
          if (c.type !== 'enqueue') continue;
          c.input = compactor.compact(a.state.id, c.input);
          a.state.steps[c.key]!.input = c.input;
        }
      }
      await insertRuns(tx, {
        runs: admitted.map(newRunRow),
        steps: admitted.flatMap((a) => Object.values(a.state.steps).map((s) => stepToRow(a.state.id, s))),
        events: admitted.flatMap((a) =>
          emitted(a.commands).map((e, i) => ({ run_id: a.state.id, seq: i + 1, type: e.type, key: e.key ?? null, data: e.data ?? null, at: a.now })),
        ),
      });
      await compactor.flush(tx, new Date());
      const replayed = [...new Set([...taken.values()].map((t) => t.runId))];
      const statuses = new Map(replayed.length > 0 ? (await this.repos.runs.heads(tx, replayed)).map((h) => [h.id, h.status]) : []);
      return { statuses };
    }).catch(restore);
    const results = batch.map((a): SubmitResult | Error => {
      const holder = holderOf(a);
      if (!holder || holder.runId === a.state.id) return { id: a.state.id, status: a.state.status, created: true };
      if (holder.bodyHash !== a.request.idempotency!.bodyHash) {
        return new BatonError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request body');
      }
      const sibling = batch.find((b) => b.state.id === holder.runId);
      return { id: holder.runId, status: sibling?.state.status ?? statuses.get(holder.runId) ?? 'queued', created: false };
    });
    const created = batch.filter((_, i) => !(results[i] instanceof Error) && (results[i] as SubmitResult).created);
    await this.dispatch(created.map((a) => ({ runId: a.state.id, tenant: a.request.tenant, commands: a.commands })));
    return results;
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
      const job: StepJob = {
        runId: row.run_id, key: row.key, attempt: row.attempt, agent: row.agent, input: row.input,
        timeoutMs: def.timeoutMs, tenant: head.tenant,
        // the same view of the context the engine gave the job when it first enqueued it
        context: readableContext(head.context as Record<string, unknown>, def),
      };
      return [{ job, priority: head.priority, delayMs: 0 }];
    });
  }

  async enqueueJobs(jobs: QueuedJob[]): Promise<void> {
    if (jobs.length > 0) await this.options.dispatcher.enqueue(jobs);
  }

  /** Waits until every event handed to `apply` is committed and dispatched. */
  async drain(): Promise<void> {
    await this.intake.idle();
    await this.commit.idle();
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

interface Admission {
  request: SubmitRequest;
  hash: string;
  state: RunState;
  commands: Command[];
  now: Date;
}

/**
 * A submission that could not be stored because of its own text (a YAML definition may hold a lone
 * surrogate the JSON body check never saw) is the client's 400, naming where.
 */
function unstorableSubmission(err: unknown, request: SubmitRequest): unknown {
  if (!(err instanceof UnstorableValueError)) return err;
  const problems = unstorableStrings({ workflow: request.workflow, input: request.input });
  if (problems.length === 0) return err;
  return new BatonError('VALIDATION_FAILED', 'the submission holds text that cannot be stored', problems);
}

const emitted = (commands: Command[]) => commands.flatMap((c) => (c.type === 'emit' ? [c.event] : []));

function newRunRow({ request, hash, state, commands }: Admission): NewRun {
  return {
    id: state.id, tenant: request.tenant, status: state.status, workflow_name: request.workflow.name,
    template: request.template?.name ?? null, template_version: request.template?.version ?? null,
    definition: request.workflow, definition_hash: hash, input: state.input, output: state.output ?? null,
    error: state.error ?? null, context: state.context, priority: state.priority, event_seq: emitted(commands).length,
    submitted_by: request.submittedBy ?? null, created_at: state.createdAt, started_at: state.startedAt ?? null,
    finished_at: state.finishedAt ?? null, used_bytes: state.usedBytes ?? 0,
  };
}
