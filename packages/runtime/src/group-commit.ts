import { noopTracer, type Tracer } from '@baton/core';
import type { EventWrite, RunHead } from '@baton/db';
import { FINAL_RUN_STATUSES, applyDecisionInPlace, decide, type Command, type Decision, type RunEvent, type RunState, type RunLimits, type StepState } from '@baton/engine';
import type { CompiledWorkflow } from '@baton/workflow';
import { BatchQueue } from './batch-queue';
import { refuseChildRuns } from './child-runs';
import { collectRefs, type LoadedPayload, type PayloadCompactor, type PayloadStore } from './payload-store';
import type { RunStore, RunStoreTransaction } from './run-store';
import { runFromHead, runUpdate, stepFromRow, stepToRow } from './state-rows';
import type { WorkflowCache } from './workflow-cache';

interface Pending {
  runId: string;
  event: RunEvent;
  at: Date;
  /** When given, the event applies only to a run of this tenant (another's is as unknown). */
  tenant?: string;
  /** The span active where the event was applied (a step's, a request's): the batch's span continues or links it. */
  traceparent?: string;
}

/** What a committed batch asks the outside world to do, per run. */
export interface CommittedCommands {
  runId: string;
  tenant: string;
  commands: Command[];
  /** The run's root trace context (`runs.traceparent`), for the jobs its commands enqueue. */
  traceparent?: string | null;
  /** The submission's request id, for a run's first jobs. */
  requestId?: string;
  /** The run's last event number once the batch is committed (0 or absent: it has none). */
  seq?: number;
}

export interface GroupCommitOptions {
  store: RunStore;
  workflows: WorkflowCache;
  payloads: PayloadStore;
  /** Told of an event the engine could not decide (a bug): it is rejected alone, the batch commits. */
  onEventFailed?: (runId: string, event: RunEvent, err: Error) => void;
  /** Runs after each commit, with the commands the batch produced. */
  afterCommit: (batch: CommittedCommands[]) => Promise<void>;
  /** Most events in one transaction. @defaultValue 500 */
  maxBatch?: number;
  /** Whether a failed batch is retried in parts, so that only the events at fault fail (see `BatchQueue`). */
  isolate?: (err: unknown) => boolean;
  /** Runs whose state is kept between batches (checked against `runs.version`). @defaultValue 2000 */
  cacheSize?: number;
  /** Passed to the engine (`DecideOptions.limits`). */
  limits?: Partial<RunLimits>;
  /** A span per transaction. @defaultValue `noopTracer` */
  tracer?: Tracer;
  /** Whether `afterCommit` starts child runs; otherwise a start fails its step in the same transaction. @defaultValue false */
  startsChildren?: boolean;
}

const MAX_CACHED_PAYLOAD_BYTES = 8 * 1024 * 1024;

interface Cached {
  version: number;
  state: RunState;
  /** Stored values the run's outputs refer to, loaded once. */
  payloads: Map<string, LoadedPayload>;
}

interface Loaded {
  head: RunHead;
  state: RunState;
  workflow: CompiledWorkflow;
  payloads: Map<string, LoadedPayload>;
  values: Map<string, unknown>;
}

/**
 * Group commit: events from every concurrent job of this process are applied in one transaction
 * per tick. Runs are locked in id order, their states loaded (or taken from the cache when the
 * row's version says nothing changed since), the engine decides each event in arrival order, and
 * all changes are written with one statement per table.
 */
export class GroupCommit {
  private readonly queue: BatchQueue<Pending, Decision | undefined>;
  private readonly cache = new Map<string, Cached>();
  private readonly cacheSize: number;
  private readonly tracer: Tracer;

  constructor(private readonly options: GroupCommitOptions) {
    this.cacheSize = options.cacheSize ?? 2000;
    this.tracer = options.tracer ?? noopTracer;
    // A transaction that fails is retried in parts: one event that cannot be written fails alone.
    this.queue = new BatchQueue((batch) => this.flush(batch), { maxBatch: options.maxBatch, isolate: options.isolate });
  }

  /**
   * Resolves once the event is durably applied, with the engine's decision (undefined for a no-op:
   * an unknown run, one of another tenant than `tenant` when it is given, an event that changed nothing).
   */
  apply(runId: string, event: RunEvent, at = new Date(), tenant?: string): Promise<Decision | undefined> {
    return this.queue.push({ runId, event, at, tenant, traceparent: this.tracer.activeTraceparent() });
  }

  /** Resolves when nothing is queued or being committed. */
  async idle(): Promise<void> {
    await this.queue.idle();
    await Promise.all(this.dispatching);
  }

  private readonly dispatching = new Set<Promise<void>>();

  private async flush(batch: Pending[]): Promise<Array<Decision | undefined | Error>> {
    let committed: CommittedCommands[];
    const failures = new Map<Pending, Error>();
    const decided = new Map<Pending, Decision>();
    // One transaction advances the runs of many traces: the child of the first event's span, linked to the others'.
    const span = this.tracer.startSpan('baton.commit', {
      traceparent: batch[0]?.traceparent,
      links: batch.length > 1 ? batch.map((p) => p.traceparent) : undefined,
      attributes: { 'baton.events': batch.length },
    });
    try {
      committed = await this.tracer.withSpan(span, () => this.commit(batch, failures, decided));
    } catch (err) {
      for (const p of batch) this.cache.delete(p.runId);
      span.recordError(err);
      throw err;
    } finally {
      span.end();
    }
    // Dispatch happens after commit; its failures are the reconciler's to repair, never the caller's.
    const dispatch = this.tracer.withSpan(span, () => this.options.afterCommit(committed)).finally(() => this.dispatching.delete(dispatch));
    this.dispatching.add(dispatch);
    for (const [p, err] of failures) this.options.onEventFailed?.(p.runId, p.event, err);
    return batch.map((p) => failures.get(p) ?? decided.get(p));
  }

  private async commit(batch: Pending[], failures: Map<Pending, Error>, decided: Map<Pending, Decision>): Promise<CommittedCommands[]> {
    const runIds = [...new Set(batch.map((p) => p.runId))].sort();
    return this.options.store.transaction(async (tx) => {
      const heads = await tx.lock(runIds);
      const states = await this.load(tx, heads);
      await this.loadPayloads(tx, states, batch);
      const compactor = this.options.payloads.compactor([...states.values()].flatMap((l) => [...l.payloads]));
      const touched = new Map<string, { head: RunHead; steps: Map<string, StepState>; commands: Command[] }>();
      const events: EventWrite[] = [];
      failures.clear();
      decided.clear();
      // Grows while it is read: an event may cause another, decided in the same transaction.
      const work = [...batch];
      // Runs with a concurrency key that finished: their slots go to waiting runs, started in this transaction.
      const finished: string[] = [];
      for (let i = 0; i < work.length || (finished.length > 0 && await this.startWaiting(tx, finished.splice(0), states, work)); i++) {
        const p = work[i]!;
        const loaded = states.get(p.runId);
        if (!loaded || (p.tenant !== undefined && loaded.head.tenant !== p.tenant)) continue; // an unknown run (or another tenant's): nothing to apply
        const { head, state, workflow } = loaded;
        let decision: Decision;
        try {
          decision = await decide(workflow, state, p.event, p.at, { payloads: loaded.values, limits: this.options.limits });
          if (decision.steps.length === 0 && decision.commands.length === 0 && Object.keys(decision.run).length === 0) continue;
          compactDecision(compactor, p.runId, decision);
          decided.set(p, decision);
        } catch (err) {
          // One event the engine cannot decide must not sink the batch: it alone fails, the rest commit.
          failures.set(p, err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        for (const made of compactor.created()) {
          loaded.payloads.set(made.id, { value: made.value, text: made.text });
          loaded.values.set(made.id, made.value);
        }
        applyDecisionInPlace(state, decision);
        let entry = touched.get(p.runId);
        if (!entry) touched.set(p.runId, (entry = { head, steps: new Map(), commands: [] }));
        for (const s of decision.steps) entry.steps.set(s.key, state.steps[s.key]!);
        if (!this.options.startsChildren) for (const event of refuseChildRuns(decision.commands)) work.push({ runId: p.runId, event, at: p.at });
        if (workflow.concurrencyKey && decision.commands.some((c) => c.type === 'finish')) finished.push(p.runId);
        for (const c of decision.commands) {
          if (c.type === 'emit') {
            events.push({ run_id: p.runId, seq: ++head.event_seq, type: c.event.type, key: c.event.key ?? null, data: c.event.data ?? null, at: p.at });
          } else if (c.type === 'cancel') {
            entry.commands.push({ ...c, agent: state.steps[c.key]?.agent ?? null });
          } else entry.commands.push(c);
        }
      }
      if (touched.size === 0) return [];
      await compactor.flush(tx, new Date());
      await tx.writeTransitions({
        steps: [...touched.entries()].flatMap(([runId, t]) => [...t.steps.values()].map((s) => stepToRow(runId, s))),
        runs: [...touched.entries()].map(([id, t]) => runUpdate(states.get(id)!.state, t.head.event_seq)),
        events,
      });
      for (const [id, t] of touched) this.remember(id, { version: t.head.version + 1, state: states.get(id)!.state, payloads: states.get(id)!.payloads });
      return [...touched.entries()].map(([runId, t]) => ({ runId, tenant: t.head.tenant, commands: t.commands, traceparent: t.head.traceparent, seq: t.head.event_seq }));
    });
  }

  /**
   * Frees the slots of finished runs and submits the waiting runs that got them, in the same
   * transaction: no finish is ever committed without the next run of its key being started.
   * Answers whether there is new work.
   */
  private async startWaiting(tx: RunStoreTransaction, finished: string[], states: Map<string, Loaded>, work: Pending[]): Promise<boolean> {
    const admitted = await tx.releaseSlots(finished);
    if (admitted.length === 0) return false;
    for (const [id, loaded] of await this.load(tx, await tx.lock(admitted))) states.set(id, loaded);
    const at = new Date();
    for (const runId of admitted) work.push({ runId, event: { type: 'run.submitted' }, at });
    return true;
  }

  private async load(tx: RunStoreTransaction, heads: RunHead[]) {
    const workflows = await this.options.workflows.forRuns(tx, heads);
    const stale = heads.filter((h) => this.cache.get(h.id)?.version !== h.version).map((h) => h.id);
    const rows = stale.length > 0 ? await tx.steps(stale) : [];
    // Prototype-less: a step key is data, never `__proto__` or `constructor` of Object.
    const stepsByRun = new Map<string, Record<string, StepState>>(stale.map((id) => [id, Object.create(null) as Record<string, StepState>]));
    for (const row of rows) stepsByRun.get(row.run_id)![row.key] = stepFromRow(row);
    const out = new Map<string, Loaded>();
    for (const head of heads) {
      const cached = this.cache.get(head.id);
      // The row is the truth for run fields; steps come from the cache when nothing changed since.
      const steps = stepsByRun.get(head.id) ?? cached!.state.steps;
      const payloads = stepsByRun.has(head.id) ? new Map<string, LoadedPayload>() : cached!.payloads;
      const values = new Map([...payloads].map(([id, p]) => [id, p.value]));
      out.set(head.id, { head: { ...head }, state: runFromHead(head, steps), workflow: workflows.get(head.id)!, payloads, values });
    }
    return out;
  }

  /** Loads the stored values that outputs refer to (new results, and states just read from rows). */
  private async loadPayloads(tx: RunStoreTransaction, states: Map<string, Loaded>, batch: Pending[]): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    const want = (runId: string) => wanted.get(runId) ?? wanted.set(runId, new Set()).get(runId)!;
    for (const p of batch) if (p.event.type === 'step.succeeded' && states.has(p.runId)) collectRefs(p.event.output, want(p.runId));
    // A signal's payload becomes an output, now or when a step waits for it (kept meanwhile).
    for (const p of batch) if (p.event.type === 'signal.received' && states.has(p.runId)) collectRefs(p.event.payload, want(p.runId));
    for (const [runId, l] of states) {
      if (l.payloads.size > 0 || wanted.has(runId)) continue;
      for (const s of Object.values(l.state.steps)) if (s.output !== undefined && typeof s.output === 'object') collectRefs(s.output, want(runId));
      if (l.state.signals) collectRefs(l.state.signals, want(runId));
    }
    const missing = [...wanted].flatMap(([runId, ids]) => [...ids].filter((id) => !states.get(runId)!.payloads.has(id)).map((id) => [runId, id] as const));
    if (missing.length === 0) return;
    const loaded = await this.options.payloads.load(tx, missing.map(([, id]) => id));
    for (const [runId, id] of missing) {
      const p = loaded.get(id);
      if (!p) continue;
      states.get(runId)!.payloads.set(id, p);
      states.get(runId)!.values.set(id, p.value);
    }
  }

  private remember(runId: string, entry: Cached): void {
    this.cache.delete(runId);
    // A finished run rarely hears from anyone again; a retry reloads it.
    if (FINAL_RUN_STATUSES.has(entry.state.status)) return;
    // Keep stored values only while they are small: a run of many large outputs reloads them instead.
    let bytes = 0;
    for (const p of entry.payloads.values()) bytes += p.text.length;
    if (bytes > MAX_CACHED_PAYLOAD_BYTES) entry = { ...entry, payloads: new Map() };
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(runId, entry);
  }
}

/** Large enqueue inputs and run outputs become references before they are written or enqueued. */
function compactDecision(compactor: PayloadCompactor, runId: string, decision: Decision): void {
  for (const c of decision.commands) {
    if (c.type !== 'enqueue') continue;
    const input = compactor.compact(runId, c.input);
    if (input === c.input) continue;
    c.input = input;
    const step = decision.steps.find((s) => s.key === c.key);
    if (step) step.input = input;
  }
  if (decision.run.output !== undefined) decision.run.output = compactor.compact(runId, decision.run.output);
}
