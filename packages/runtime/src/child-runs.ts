import { BatonError } from '@baton/core';
import type { LiveChildStep, RunHead, RunLink } from '@baton/db';
import { FINAL_RUN_STATUSES, type Command, type RunEvent, type StepError } from '@baton/engine';
import { validateInput, withInputDefaults } from '@baton/workflow';
import type { SubmitRequest, SubmitResult } from './admission';
import type { ChildWorkflows } from './child-workflows';
import type { CommittedCommands } from './group-commit';
import type { RunStoreAccess } from './run-store';
import type { RuntimeLogger } from './step-dispatcher';
import type { WorkflowCache } from './workflow-cache';

/** The step error code of a sub-workflow step when the runtime has no sub-workflows configured. */
export const SUBWORKFLOW_UNAVAILABLE = 'SUBWORKFLOW_UNAVAILABLE';

/**
 * A runtime without sub-workflows configured (`RuntimeOptions.subWorkflows`) fails every start of
 * a child run, not retried, in the same transaction as the decision that asked for it: nothing
 * waits on a child that will never come.
 */
export function refuseChildRuns(commands: readonly Command[]): RunEvent[] {
  return commands.flatMap((c): RunEvent[] =>
    c.type === 'startChildRun'
      ? [{
        type: 'step.failed', key: c.key, attempt: c.attempt, retryable: false,
        error: { code: SUBWORKFLOW_UNAVAILABLE, message: `sub-workflows are not configured: step ${c.key} would start workflow ${c.workflow}` },
      }]
      : [],
  );
}

/** The links between parent and child runs (`KyselyRunLinks` of `@baton/db`, matched structurally). */
export interface RunLinks {
  parents(childRunIds: readonly string[]): Promise<RunLink[]>;
  children(parentRunId: string, key?: string): Promise<Array<RunLink & { status: string }>>;
  liveChildSteps(queuedBefore: Date, limit: number): Promise<LiveChildStep[]>;
  orphans(createdBefore: Date, limit: number): Promise<Array<{ id: string; tenant: string }>>;
}

/** Sub-workflows: where templates are found, how runs are linked, how deep they may nest. */
export interface SubWorkflowOptions {
  /** `storedChildWorkflows(new KyselyTemplateStore(db))`. */
  workflows: ChildWorkflows;
  /** `new KyselyRunLinks(db)`. */
  links: RunLinks;
  /** `BATON_MAX_SUBWORKFLOW_DEPTH`: a child of a top-level run is at depth 1. @defaultValue 5 */
  maxDepth?: number;
}

/** What the coordinator asks of its runtime. */
export interface ChildRunHost {
  submit(request: SubmitRequest): Promise<SubmitResult>;
  apply(runId: string, event: RunEvent): Promise<void>;
  cancel(tenant: string, runId: string): Promise<void>;
  hydrate(value: unknown): Promise<unknown>;
  store: RunStoreAccess;
  workflows: WorkflowCache;
  logger: RuntimeLogger;
}

export const DEFAULT_MAX_SUBWORKFLOW_DEPTH = 5;

type StartChildRun = Extract<Command, { type: 'startChildRun' }>;
type ChildOutcome = Pick<RunHead, 'id' | 'status' | 'output' | 'error'>;

const summary = (problems: ReadonlyArray<{ path: string; message: string }>): string =>
  problems.slice(0, 3).map((p) => `${p.path || 'input'}: ${p.message}`).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');

/** The parent step's result once its child run finished: its output, or its failure summarised. */
export function childResult(link: Pick<RunLink, 'parentStepKey' | 'parentAttempt'>, child: ChildOutcome): RunEvent | undefined {
  const { parentStepKey: key, parentAttempt: attempt } = link;
  if (child.status === 'succeeded') return { type: 'step.succeeded', key, attempt, output: child.output ?? undefined };
  if (child.status === 'cancelled') {
    return { type: 'step.failed', key, attempt, retryable: false, error: { code: 'SUBWORKFLOW_CANCELLED', message: `step ${key}: its sub-workflow run ${child.id} was cancelled` } };
  }
  if (child.status !== 'failed') return undefined;
  const cause = (child.error ?? {}) as Partial<StepError>;
  const where = cause.step ? ` at step ${cause.step}` : '';
  const error = { code: 'SUBWORKFLOW_FAILED', message: `step ${key}: its sub-workflow run ${child.id} failed${where} (${cause.code ?? 'FAILED'}): ${cause.message ?? 'no message'}` };
  // A retry of the step starts a new child.
  return { type: 'step.failed', key, attempt, retryable: true, error };
}

/**
 * Starts, finishes and cancels child runs after the transactions that asked for it commit. Each
 * step is idempotent (the child's idempotency key is its parent step attempt; the engine ignores a
 * result for an attempt that moved on), and what a crash loses in between the reconciler repairs
 * from Postgres (`reconcile`): an attempt with no child is started again, a finished child's result
 * is applied again, a live child whose parent step moved on is cancelled.
 */
export class ChildRuns {
  private readonly maxDepth: number;

  constructor(private readonly options: SubWorkflowOptions, private readonly host: ChildRunHost) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_SUBWORKFLOW_DEPTH;
  }

  /** What a committed batch asks of child runs: starts, the parents of runs that finished, cancellations. */
  async afterCommit(batch: readonly CommittedCommands[]): Promise<void> {
    const work: Array<Promise<void>> = [];
    const finished: ChildOutcome[] = [];
    for (const { runId, tenant, commands } of batch) {
      for (const c of commands) {
        if (c.type === 'startChildRun') work.push(this.start(runId, c));
        else if (c.type === 'cancel' && c.agent === null) work.push(this.cancelChild(tenant, runId, c.key, c.attempt));
        else if (c.type === 'finish') finished.push({ id: runId, status: c.status, output: c.output ?? null, error: c.error ?? null });
      }
    }
    if (finished.length > 0) work.push(this.tellParents(finished));
    const results = await Promise.allSettled(work);
    for (const r of results) {
      if (r.status === 'rejected') this.host.logger.warn('a sub-workflow change failed after commit; the reconciler repairs it', { error: String(r.reason) });
    }
  }

  /**
   * The reconciler's sweep: sub-workflow attempts live since before `before` whose start, result or
   * deadline was lost, and live children whose parent step moved on. Answers what it repaired.
   */
  async reconcile(now: Date, before: Date, graceMs: number, limit: number): Promise<{ started: number; resulted: number; timedOut: number; cancelled: number }> {
    const { links } = this.options;
    const live = await links.liveChildSteps(before, limit);
    const expired = live.filter((s) => s.status === 'running' && s.deadlineAt && s.deadlineAt.getTime() + graceMs < now.getTime());
    const rest = live.filter((s) => !expired.includes(s));
    const missing = rest.filter((s) => !s.child);
    const done = rest.filter((s) => s.child && FINAL_RUN_STATUSES.has(s.child.status as never));
    const unstarted = rest.filter((s) => s.child && !FINAL_RUN_STATUSES.has(s.child.status as never) && s.status === 'queued');
    const children = new Map((await this.host.store.heads(done.map((s) => s.child!.id))).map((h) => [h.id, h]));
    const orphans = await links.orphans(before, limit);
    const commands = await this.commandsFor(missing);
    await Promise.all([
      ...expired.map((s) => this.host.apply(s.runId, { type: 'step.timedOut', key: s.key, attempt: s.attempt })),
      ...commands.map(({ runId, command }) => this.start(runId, command)),
      ...done.flatMap((s) => {
        const child = children.get(s.child!.id);
        const event = child && childResult({ parentStepKey: s.key, parentAttempt: s.attempt }, child);
        return event ? [this.host.apply(s.runId, event)] : [];
      }),
      ...unstarted.map((s) => this.host.apply(s.runId, { type: 'step.started', key: s.key, attempt: s.attempt })),
      ...orphans.map((o) => this.host.cancel(o.tenant, o.id)),
    ]);
    return { started: commands.length, resulted: done.length, timedOut: expired.length, cancelled: orphans.length };
  }

  /** Starts the child of one step attempt (after its backoff) and tells the parent step how that went. */
  private async start(runId: string, c: StartChildRun): Promise<void> {
    if (c.delayMs) await new Promise((resolve) => setTimeout(resolve, c.delayMs).unref());
    const [head] = await this.host.store.heads([runId]);
    if (!head || FINAL_RUN_STATUSES.has(head.status as never)) return;
    await this.host.apply(runId, await this.admitChild(head, c));
  }

  /**
   * Admits the child run: the parent's tenant, submitter, agent allow-list and trace, the template
   * the step names, the step's input checked against its schema. Answers the parent step's event:
   * started, or failed (not retried) with why the child cannot start.
   * @throws what is not the step's fault (Postgres down): the reconciler tries again
   */
  private async admitChild(head: RunHead, c: StartChildRun): Promise<RunEvent> {
    const refuse = (code: string, message: string): RunEvent =>
      ({ type: 'step.failed', key: c.key, attempt: c.attempt, retryable: false, error: { code, message: `step ${c.key}: ${message}` } });
    const name = c.version === undefined ? c.workflow : `${c.workflow} version ${c.version}`;
    const [link] = await this.options.links.parents([head.id]);
    const depth = (link?.depth ?? 0) + 1;
    if (depth > this.maxDepth) {
      return refuse('LIMIT_EXCEEDED', `sub-workflow ${c.workflow} would run ${depth} levels deep, more than BATON_MAX_SUBWORKFLOW_DEPTH=${this.maxDepth}`);
    }
    const child = await this.options.workflows.resolve(head.tenant, c.workflow, c.version);
    if (!child) return refuse('SUBWORKFLOW_NOT_FOUND', `template ${name} not found`);
    if ('problems' in child) return refuse('SUBWORKFLOW_INVALID', `template ${name} is not valid: ${summary(child.problems)}`);
    const allowed = head.allowed_agents as string[] | null;
    const outside = allowed ? child.agents.filter((a) => !allowed.includes(a)) : [];
    if (outside.length > 0) return refuse('FORBIDDEN', `sub-workflow ${c.workflow} uses ${outside.join(', ')}, outside the submitter's agent allow-list`);
    const input = await this.host.hydrate(c.input);
    const problems = validateInput(child.workflow.input, input);
    if (problems.length > 0) return refuse('INVALID_INPUT', `the input does not match the input schema of template ${c.workflow}: ${summary(problems)}`);
    const key = `child:${head.id}:${c.key}:${c.attempt}`;
    try {
      await this.host.submit({
        tenant: head.tenant,
        workflow: child.workflow,
        compiled: child.compiled,
        definitionHash: child.hash,
        template: child.template,
        input: withInputDefaults(child.workflow.input, input),
        priority: c.priority,
        idempotency: { key, bodyHash: key },
        submittedBy: head.submitted_by ?? undefined,
        allowedAgents: allowed ?? undefined,
        traceparent: head.traceparent ?? undefined,
        parent: { runId: head.id, key: c.key, attempt: c.attempt, depth },
      });
    } catch (err) {
      // The child's first decision passes a limit, or its concurrency key yields nothing: the input's fault.
      if (err instanceof BatonError && err.code === 'VALIDATION_FAILED') return refuse('INVALID_INPUT', `sub-workflow ${c.workflow}: ${err.message}: ${summary(err.details)}`);
      throw err;
    }
    return { type: 'step.started', key: c.key, attempt: c.attempt };
  }

  /** Cancels the live child of a step attempt (its own children follow, from its cancellation). */
  private async cancelChild(tenant: string, runId: string, key: string, attempt: number): Promise<void> {
    const children = await this.options.links.children(runId, key);
    const live = children.filter((k) => k.parentAttempt === attempt && !FINAL_RUN_STATUSES.has(k.status as never));
    await Promise.all(live.map((k) => this.host.cancel(tenant, k.childRunId)));
  }

  /** Runs that finished: those that are children give their parent step its result. */
  private async tellParents(finished: ChildOutcome[]): Promise<void> {
    const links = await this.options.links.parents(finished.map((f) => f.id));
    const byId = new Map(finished.map((f) => [f.id, f]));
    await Promise.all(links.map((l) => {
      const event = childResult(l, byId.get(l.childRunId)!);
      return event ? this.host.apply(l.parentRunId, event) : undefined;
    }));
  }

  /** The start commands of attempts that have no child, rebuilt from what Postgres holds. */
  private async commandsFor(attempts: readonly LiveChildStep[]): Promise<Array<{ runId: string; command: StartChildRun }>> {
    if (attempts.length === 0) return [];
    const { store, workflows } = this.host;
    const runIds = [...new Set(attempts.map((a) => a.runId))];
    const heads = new Map((await store.heads(runIds)).map((h) => [h.id, h]));
    const compiled = await workflows.forRuns(store, [...heads.values()]);
    const wanted = new Set(attempts.map((a) => `${a.runId}|${a.key}|${a.attempt}`));
    const rows = (await store.steps(runIds)).filter((r) => wanted.has(`${r.run_id}|${r.key}|${r.attempt}`));
    return rows.flatMap((row) => {
      const def = compiled.get(row.run_id)?.steps.get(row.step_id)?.def;
      const head = heads.get(row.run_id);
      if (!def?.workflow || !head) return [];
      const version = def.version === undefined ? {} : { version: def.version };
      return [{ runId: row.run_id, command: { type: 'startChildRun', key: row.key, attempt: row.attempt, workflow: def.workflow, ...version, input: row.input, priority: def.priority ?? head.priority, delayMs: 0 } }];
    });
  }
}
