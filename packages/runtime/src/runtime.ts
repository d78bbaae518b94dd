import { randomUUID } from 'node:crypto';
import { UnstorableValueError, type ExpiredWait, type LiveStep } from '@baton/db';
import { applyDecisionInPlace, decide, initialRun, readableContext, type Command, type RunEvent, type RunLimits } from '@baton/engine';
import { jsonBytes, unstorableStrings } from '@baton/workflow';
import { admit, emitted, type Admission, type SubmitRequest, type SubmitResult } from './admission';
import { BatchQueue } from './batch-queue';
import { ChildRuns, refuseChildRuns, type SubWorkflowOptions } from './child-runs';
import { unavailableDependency } from './dependency-errors';
import { BatonError, noopTracer, type Tracer } from '@baton/core';
import { GroupCommit, type CommittedCommands } from './group-commit';
import { PayloadStore } from './payload-store';
import { queuedJob, type QueuedJob } from './queued-job';
import { concurrencySlot } from './concurrency-slot';
import { refuseOverLimit } from './refuse-over-limit';
import type { RunStore } from './run-store';
import type { RuntimeLogger, StepDispatcher } from './step-dispatcher';
import { WorkflowCache, definitionHash } from './workflow-cache';

export interface RuntimeOptions {
  /** Where runs are kept: `new KyselyRunStore(db.kysely)` of `@baton/db` on Postgres. */
  store: RunStore;
  dispatcher: StepDispatcher;
  logger: RuntimeLogger;
  /** Spans around admissions, group commits and enqueues. @defaultValue `noopTracer` */
  tracer?: Tracer;
  /** Notified of every finished run (metrics, live streams). */
  onRunFinished?: (run: { runId: string; tenant: string; status: string }) => void;
  /** Most events in one group commit, and most submissions in one admission. @defaultValue 500 events, 1000 submissions */
  maxBatch?: number;
  /** Outputs larger than this (JSON bytes) are stored once and passed by reference. @defaultValue 65536 */
  payloadThresholdBytes?: number;
  /** What a run may hold and build (bytes, forEach items, entries); the engine's defaults where absent. */
  limits?: Partial<RunLimits>;
  /** Sub-workflows (`workflow:` steps); absent, every start of a child run fails its step (`SUBWORKFLOW_UNAVAILABLE`). */
  subWorkflows?: SubWorkflowOptions;
}

/** One attempt of a step, as the reconciler names it. */
export interface AttemptRef {
  runId: string;
  key: string;
  attempt: number;
}

/**
 * The one place that applies events to runs, shared by api and worker: lock, load, decide,
 * persist, then dispatch after commit. Its store, caches and stored values stay inside: callers
 * get methods (`submit`, `apply`, `cancel`, `retry`, `signal`, `hydrate`, `offload`, the reconciler's
 * `liveSteps`, `countRequeues`, `requeue` and `expiredWaits`), and clients read through `RunQueries`.
 */
export class Runtime {
  private readonly workflows = new WorkflowCache();
  private readonly payloads: PayloadStore;
  private readonly commit: GroupCommit;
  private readonly intake: BatchQueue<Admission, SubmitResult>;
  private readonly tracer: Tracer;
  private readonly children?: ChildRuns;
  /** Child-run work started after commits, awaited by `drain`. */
  private readonly childWork = new Set<Promise<void>>();

  constructor(private readonly options: RuntimeOptions) {
    this.tracer = options.tracer ?? noopTracer;
    this.payloads = new PayloadStore(options.store, options.payloadThresholdBytes);
    if (options.subWorkflows) {
      this.children = new ChildRuns(options.subWorkflows, {
        submit: (request) => this.submit(request),
        apply: (runId, event) => this.apply(runId, event),
        cancel: (tenant, runId) => this.cancel(tenant, runId),
        hydrate: (value) => this.hydrate(value),
        store: options.store,
        workflows: this.workflows,
        logger: options.logger,
      });
    }
    // A batch that fails is retried in parts, so that one submission's fault is its answer alone.
    const isolate = (err: unknown) => unavailableDependency(err) === undefined;
    // A batch of submissions (`submitMany`, up to 1,000) fits one admission.
    this.intake = new BatchQueue((batch) => this.admit(batch), { maxBatch: options.maxBatch ?? 1000, isolate });
    this.commit = new GroupCommit({
      store: options.store,
      payloads: this.payloads,
      workflows: this.workflows,
      maxBatch: options.maxBatch,
      isolate,
      limits: options.limits,
      afterCommit: (batch) => this.dispatch(batch),
      startsChildren: this.children !== undefined,
      tracer: this.tracer,
      onEventFailed: (runId, event, err) => options.logger.error('the engine could not decide an event', { runId, event: event.type, error: err.message, stack: err.stack }),
    });
  }

  /** Applies an event through group commit; resolves once it is durable. */
  async apply(runId: string, event: RunEvent, at?: Date): Promise<void> {
    await this.commit.apply(runId, event, at);
  }

  /**
   * Records a new run and its first steps, then enqueues them. Submissions arriving together are
   * admitted in one transaction (one statement for the idempotency keys, one for runs, steps and
   * events) with synchronous commit: an accepted run is never lost.
   * @throws BatonError IDEMPOTENCY_CONFLICT when the key was used with another body; VALIDATION_FAILED
   * naming the paths when the definition or input holds text Postgres cannot store, or naming the
   * limit its first decision would pass.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const admission = await this.decideAdmission(request);
    return this.intake.push(admission).catch((err: unknown) => {
      throw unstorableSubmission(err, request);
    });
  }

  /**
   * Records many runs at once, as `submit` does each: they join one admission batch (up to
   * `maxBatch`), so a thousand runs take a handful of statements and one enqueue. Answers each in
   * order: its result, or the Error that refused it alone (those of `submit`).
   */
  async submitMany(requests: readonly SubmitRequest[]): Promise<Array<SubmitResult | Error>> {
    const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
    // One after another: interleaved, a thousand decisions would each see the others' time count
    // against its expressions' time limit.
    const decided: Array<Admission | Error> = [];
    for (const request of requests) decided.push(await this.decideAdmission(request).catch(asError));
    // Pushed together, after every decision: they are queued at once, so one flush takes them all.
    return Promise.all(decided.map((a, i) => (a instanceof Error ? a : this.intake.push(a).catch((err: unknown) => asError(unstorableSubmission(err, requests[i]!))))));
  }

  /** The engine's first decision on a new run: its state and commands, to be admitted. */
  private async decideAdmission(request: SubmitRequest): Promise<Admission> {
    const hash = request.definitionHash ?? definitionHash(request.workflow);
    const compiled = this.workflows.get(hash) ?? this.workflows.add(hash, request.workflow, request.compiled);
    const id = randomUUID();
    const now = new Date();
    const state = initialRun({ id, input: request.input ?? {}, priority: request.priority ?? 5, now, allowedAgents: request.allowedAgents });
    request.concurrency ??= await concurrencySlot(compiled, request.tenant, id, state.input);
    const options = { limits: this.options.limits };
    const commands: Command[] = [];
    if (request.pausedBy !== undefined) {
      const paused = await decide(compiled, state, { type: 'run.paused', by: request.pausedBy }, now, options);
      applyDecisionInPlace(state, paused);
      commands.push(...paused.commands);
    }
    const { fork } = request;
    if (fork) {
      for (const entry of fork.steps) state.steps[entry.key] = entry;
      state.usedBytes = fork.steps.reduce((sum, e) => sum + (e.output === undefined ? 0 : jsonBytes(e.output)), 0);
    }
    const submitted = fork ? { type: 'run.submitted' as const, fork: { from: fork.from, step: fork.step, input: fork.input, by: fork.by } } : { type: 'run.submitted' as const };
    const decision = await decide(compiled, state, submitted, now, options);
    refuseOverLimit(compiled, decision);
    applyDecisionInPlace(state, decision);
    commands.push(...decision.commands);
    // Without sub-workflows, such a step fails at once, before the run is even stored (see refuseChildRuns).
    for (let i = 0; i < commands.length && !this.children; i++) {
      for (const event of refuseChildRuns([commands[i]!])) {
        const next = await decide(compiled, state, event, now, options);
        applyDecisionInPlace(state, next);
        commands.push(...next.commands);
      }
    }
    return { request, hash, state, commands, now };
  }

  /** Cancels a run of `tenant` (one of another tenant is left alone); resolves once that is durable. */
  async cancel(tenant: string, runId: string): Promise<void> {
    await this.commit.apply(runId, { type: 'run.cancelled' }, new Date(), tenant);
  }

  /** Retries the failed and skipped steps of a failed run of `tenant` (one of another tenant is left alone). */
  async retry(tenant: string, runId: string): Promise<void> {
    await this.commit.apply(runId, { type: 'run.retried' }, new Date(), tenant);
  }

  /**
   * Pauses a run of `tenant` that has not finished (see the engine's `run.paused`); answers false,
   * having changed nothing, when it was paused already, had finished or is not the tenant's.
   */
  async pause(tenant: string, runId: string, by: string): Promise<boolean> {
    return (await this.commit.apply(runId, { type: 'run.paused', by }, new Date(), tenant)) !== undefined;
  }

  /** Resumes a paused run of `tenant`; answers false, having changed nothing, when it was not paused. */
  async resume(tenant: string, runId: string, by: string): Promise<boolean> {
    return (await this.commit.apply(runId, { type: 'run.resumed', by }, new Date(), tenant)) !== undefined;
  }

  /**
   * Re-runs a finished run of `tenant` from `fromStep` (and downstream), `fromStep` with `input`
   * when given; answers false, having changed nothing, when the run had not finished.
   */
  async rerun(tenant: string, runId: string, fromStep: string, input: unknown, by: string): Promise<boolean> {
    const event = input === undefined ? { type: 'run.rerun' as const, fromStep, by } : { type: 'run.rerun' as const, fromStep, input, by };
    return (await this.commit.apply(runId, event, new Date(), tenant)) !== undefined;
  }

  /**
   * Signals a run of `tenant` (one of another tenant is left alone): the step waiting longest for
   * `name` resumes with `payload` as its output, or the signal is kept for a `wait` step that has yet
   * to wait for that name. A large payload is stored once and carried by reference, as an agent's
   * output is. Answers false, having changed nothing, when the run (finished, or without an
   * unfinished wait step that may take `name`) refuses it; resolves once it is durable.
   */
  async signal(tenant: string, runId: string, name: string, payload: unknown): Promise<boolean> {
    const stored = await this.payloads.offload(runId, payload);
    const decision = await this.commit.apply(runId, { type: 'signal.received', name, payload: stored }, new Date(), tenant);
    return decision !== undefined;
  }

  /** The reconciler's timer: attempts of `wait` steps still waiting past their timeout. */
  expiredWaits(now: Date, limit: number): Promise<ExpiredWait[]> {
    return this.options.store.expiredWaits(now, limit);
  }

  /** Replaces every stored-value reference inside `value` with the value (a step's input, before its agent runs). */
  hydrate(value: unknown): Promise<unknown> {
    return this.payloads.hydrate(value);
  }

  /** The value itself, or a reference once it is stored when its JSON is over the threshold (an agent's output). */
  offload(runId: string, value: unknown): Promise<unknown> {
    return this.payloads.offload(runId, value);
  }

  /** The reconciler's worklist: attempts queued or running since before `queuedBefore` that have a job of their own. */
  liveSteps(queuedBefore: Date, limit: number): Promise<LiveStep[]> {
    return this.options.store.liveSteps(queuedBefore, limit);
  }

  /** Those of these attempts still queued or running with a job of their own (the reconciler's repair of lost jobs). */
  async liveAttempts(refs: readonly AttemptRef[]): Promise<LiveStep[]> {
    if (refs.length === 0) return [];
    const wanted = new Set(refs.map((r) => `${r.runId}|${r.key}|${r.attempt}`));
    const rows = await this.options.store.steps([...new Set(refs.map((r) => r.runId))]);
    return rows
      .filter((r) => wanted.has(`${r.run_id}|${r.key}|${r.attempt}`) && (r.status === 'queued' || r.status === 'running') && r.agent !== null && r.handoff === null)
      .map((r) => ({ run_id: r.run_id, key: r.key, agent: r.agent, status: r.status, attempt: r.attempt, queued_at: r.queued_at, deadline_at: r.deadline_at, requeues: r.requeues }));
  }

  /** Counts one more requeue of each attempt that is still live (and still at `requeues`, when given); answers how many were counted. */
  countRequeues(attempts: ReadonlyArray<AttemptRef & { requeues?: number }>): Promise<number> {
    return this.options.store.countRequeues(attempts);
  }

  /**
   * Enqueues the jobs of these attempts again, rebuilt from what the store holds (the same job the
   * engine's command made), those still queued or running only; answers how many were enqueued.
   */
  async requeue(targets: readonly AttemptRef[]): Promise<number> {
    const jobs = await this.jobsFor(targets);
    if (jobs.length > 0) await this.options.dispatcher.enqueue(jobs, 'repair');
    return jobs.length;
  }

  /**
   * The reconciler's sweep of sub-workflow steps (see `ChildRuns.reconcile`): attempts live since
   * before `before` whose child start, result or deadline (plus `graceMs`) was lost, and live
   * children whose parent step moved on. Nothing without sub-workflows.
   */
  async reconcileChildren(now: Date, before: Date, graceMs: number, limit: number): Promise<{ started: number; resulted: number; timedOut: number; cancelled: number }> {
    return this.children ? this.children.reconcile(now, before, graceMs, limit) : { started: 0, resulted: 0, timedOut: 0, cancelled: 0 };
  }

  /** Waits until every event handed to `apply` is committed and dispatched, child runs' starts, results and cancellations included. */
  async drain(): Promise<void> {
    do {
      await this.intake.idle();
      await this.commit.idle();
      await Promise.all(this.childWork);
    } while (this.childWork.size > 0);
  }

  private async admit(batch: Admission[]): Promise<Array<SubmitResult | Error>> {
    // One transaction admits the runs of many requests: the child of the first, linked to the others.
    const span = this.tracer.startSpan('baton.admit', {
      traceparent: batch[0]?.request.traceparent,
      links: batch.length > 1 ? batch.map((a) => a.request.traceparent) : undefined,
      attributes: { 'baton.submissions': batch.length },
    });
    // A request with no trace of its own has the admission's: its runs' root, what their jobs continue.
    for (const a of batch) a.request.traceparent ??= span.traceparent;
    try {
      return await this.tracer.withSpan(span, async () => {
        const { results, created, waiting } = await admit(this.options.store, this.payloads, batch);
        await this.dispatch(created.map((a) => ({
          runId: a.state.id, tenant: a.request.tenant, commands: waiting.has(a.state.id) ? [] : a.commands, traceparent: a.request.traceparent, requestId: a.request.requestId,
          seq: waiting.has(a.state.id) ? 0 : emitted(a.commands).length,
        })));
        return results;
      });
    } catch (err) {
      span.recordError(err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async jobsFor(targets: readonly AttemptRef[]): Promise<QueuedJob[]> {
    if (targets.length === 0) return [];
    const { store } = this.options;
    const runIds = [...new Set(targets.map((t) => t.runId))];
    const heads = new Map((await store.heads(runIds)).map((h) => [h.id, h]));
    const workflows = await this.workflows.forRuns(store, [...heads.values()]);
    const wanted = new Set(targets.map((t) => `${t.runId}|${t.key}|${t.attempt}`));
    // Only attempts still live now: one that finished since the reconciler looked (its job then
    // completed, so Redis no longer "held" it) must not run again.
    const rows = (await store.steps(runIds)).filter((r) => wanted.has(`${r.run_id}|${r.key}|${r.attempt}`) && (r.status === 'queued' || r.status === 'running'));
    return rows.flatMap((row) => {
      const head = heads.get(row.run_id);
      const step = workflows.get(row.run_id)?.steps.get(row.step_id);
      if (!head || !step || !row.agent) return [];
      const { def } = step;
      // the same job the engine's command made when it first enqueued the attempt
      const write = def.contextAccess?.write;
      const secrets = row.hop === null && step.input.secrets.length > 0 ? { secrets: [...step.input.secrets] } : {};
      return [traced(queuedJob(row.run_id, head.tenant, {
        key: row.key, attempt: row.attempt, agent: row.agent, input: row.input, timeoutMs: def.timeoutMs,
        context: readableContext(head.context as Record<string, unknown>, def),
        ...(write === undefined ? {} : { contextWrite: [...write] }), ...secrets,
        priority: def.priority ?? head.priority, delayMs: 0,
      }), head.traceparent)];
    });
  }

  /** What a committed batch asks of the outside world: its jobs and cancellations, and one announcement of its events. */
  private async dispatch(batch: CommittedCommands[]): Promise<void> {
    // Not awaited: starting a child submits and applies, which may wait on the batch being dispatched.
    if (this.children) {
      const work = this.children.afterCommit(batch).finally(() => this.childWork.delete(work));
      this.childWork.add(work);
    }
    await Promise.all([this.enqueueCommands(batch), this.announce(batch)]);
  }

  /** One message per batch, however many runs and events it holds; a lost one only delays streams until they poll. */
  private async announce(batch: CommittedCommands[]): Promise<void> {
    const marks = batch.flatMap(({ runId, seq }) => (seq ? [{ runId, seq }] : []));
    if (marks.length === 0 || !this.options.dispatcher.announce) return;
    try {
      await this.options.dispatcher.announce(marks);
    } catch (err) {
      this.options.logger.warn('could not announce committed events; live streams catch up when they poll', { error: String(err) });
    }
  }

  private async enqueueCommands(batch: CommittedCommands[]): Promise<void> {
    const jobs: QueuedJob[] = [];
    const cancels: Array<{ runId: string; key: string; attempt: number; agent: string | null }> = [];
    const withdrawals: Array<{ runId: string; key: string; attempt: number; agent: string }> = [];
    for (const { runId, tenant, commands, traceparent, requestId } of batch) {
      const from = jobs.length;
      for (const c of commands) this.collect(runId, tenant, c, jobs, cancels, withdrawals);
      for (let i = from; i < jobs.length; i++) traced(jobs[i]!, traceparent, requestId);
    }
    if (jobs.length === 0 && cancels.length === 0 && withdrawals.length === 0) return;
    const span = this.tracer.startSpan('baton.enqueue', { kind: 'producer', attributes: { 'baton.jobs': jobs.length, 'baton.cancels': cancels.length } });
    try {
      await this.tracer.withSpan(span, async () => {
        if (jobs.length > 0) await this.options.dispatcher.enqueue(jobs, 'commit');
        if (cancels.length > 0) await this.options.dispatcher.cancel(cancels);
        if (withdrawals.length > 0) await this.options.dispatcher.withdraw(withdrawals);
      });
    } catch (err) {
      span.recordError(err);
      // The state is committed: the reconciler re-enqueues what Redis did not take.
      this.options.logger.warn('dispatch failed; the reconciler will re-enqueue', { error: String(err) });
    } finally {
      span.end();
    }
  }

  private collect(
    runId: string, tenant: string, c: Command,
    jobs: QueuedJob[],
    cancels: Array<{ runId: string; key: string; attempt: number; agent: string | null }>,
    withdrawals: Array<{ runId: string; key: string; attempt: number; agent: string }>,
  ): void {
    switch (c.type) {
      case 'enqueue':
        jobs.push(queuedJob(runId, tenant, c));
        return;
      case 'cancel':
        cancels.push({ runId, key: c.key, attempt: c.attempt, agent: c.agent ?? null });
        return;
      case 'withdraw':
        withdrawals.push({ runId, key: c.key, attempt: c.attempt, agent: c.agent });
        return;
      case 'finish':
        this.options.onRunFinished?.({ runId, tenant, status: c.status });
        return;
      case 'startChildRun': // ChildRuns starts it (or its step failed in the transaction that decided it: refuseChildRuns)
      case 'emit':
        return;
    }
  }
}

/**
 * A submission that could not be stored because of its own text (a YAML definition may hold a lone
 * surrogate the JSON body check never saw) is the client's 400, naming where.
 */
/** The job, carrying its run's root trace context and the submission's request id where there are ones. */
function traced(queued: QueuedJob, traceparent: string | null | undefined, requestId?: string): QueuedJob {
  if (traceparent) queued.job.traceparent = traceparent;
  if (requestId) queued.job.requestId = requestId;
  return queued;
}

function unstorableSubmission(err: unknown, request: SubmitRequest): unknown {
  if (!(err instanceof UnstorableValueError)) return err;
  const problems = unstorableStrings({ workflow: request.workflow, input: request.input });
  if (problems.length === 0) return err;
  return new BatonError('VALIDATION_FAILED', 'the submission holds text that cannot be stored', problems);
}
