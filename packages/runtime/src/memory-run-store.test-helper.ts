import {
  toJsonb, type ExpiredWait, type IdempotencyClaim, type IdempotencyHolder, type LiveStep, type NewRuns, type PayloadWrite, type RunHead,
  type RunLink, type RunEventRow, type RunListFilter, type RunRow, type SlotClaim, type StepRow, type StepWrite, type Transitions,
} from '@baton/db';
import type { RunQueries } from './run-queries';
import type { RunStore, RunStoreTransaction } from './run-store';

interface Tables {
  runs: Map<string, RunRow>;
  steps: Map<string, Map<string, StepRow>>;
  events: Map<string, Map<number, RunEventRow>>;
  payloads: Map<string, { runId: string; data: unknown }>;
  keys: Map<string, { tenant: string; key: string; bodyHash: string; runId: string }>;
  /** Concurrency keys (`tenant\u0000key`) and the keyed runs, in claim order. */
  slots: Map<string, { max: number; running: number }>;
  slotRuns: Map<string, { slot: string; holding: boolean }>;
  links: Map<string, RunLink>;
}

/** Postgres's jsonb key order: shorter keys first, then by their bytes. Values come back this way. */
function jsonbOrder(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(jsonbOrder);
  const keys = Object.keys(value).sort((a, b) => a.length - b.length || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out: Record<string, unknown> = {};
  for (const k of keys) Object.defineProperty(out, k, { value: jsonbOrder((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** As jsonb stores a value: refused when it holds what Postgres cannot store (`UnstorableValueError`). */
const jsonb = (value: unknown): unknown => jsonbOrder(JSON.parse(toJsonb(value)));
const nullableJsonb = (value: unknown): unknown => (value === null || value === undefined ? null : jsonb(value));
const time = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const copy = <T>(value: T): T => structuredClone(value);

function stepRow(w: StepWrite, requeues: number): StepRow {
  return {
    ...w, input: nullableJsonb(w.input), output: nullableJsonb(w.output), error: nullableJsonb(w.error), items: nullableJsonb(w.items),
    handoff: nullableJsonb(w.handoff), queued_at: time(w.queued_at), started_at: time(w.started_at), finished_at: time(w.finished_at),
    deadline_at: time(w.deadline_at), held_until: time(w.held_until ?? null), requeues,
  };
}

const head = ({ definition: _definition, ...rest }: RunRow): RunHead => rest;

/**
 * `RunStore` (and, through `queries()`, `RunQueries`) in memory, for unit tests of what uses them: it
 * passes the same contract suite as `KyselyRunStore` (run-store-contract.test-helper.ts).
 * Transactions run one at a time on a copy that replaces the tables when they commit; values are
 * stored as jsonb stores them (refused when they hold a NUL or a lone surrogate, keys in jsonb's
 * order) and read back as copies.
 */
export class MemoryRunStore implements RunStore {
  private tables: Tables = {
    runs: new Map(), steps: new Map(), events: new Map(), payloads: new Map(), keys: new Map(), slots: new Map(), slotRuns: new Map(), links: new Map(),
  };
  private turn: Promise<unknown> = Promise.resolve();

  transaction<T>(work: (tx: MemoryTransaction) => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => {
      const draft = copy(this.tables);
      const result = await work(new MemoryTransaction(draft));
      this.tables = draft;
      return result;
    });
    this.turn = run.catch(() => undefined);
    return run;
  }

  private get committed(): MemoryTransaction {
    return new MemoryTransaction(this.tables);
  }

  heads(runIds: readonly string[]) {
    return this.committed.heads(runIds);
  }

  definitions(runIds: readonly string[]) {
    return this.committed.definitions(runIds);
  }

  steps(runIds: readonly string[]) {
    return this.committed.steps(runIds);
  }

  payloads(ids: readonly string[]) {
    return this.committed.payloads(ids);
  }

  putPayloads(payloads: readonly PayloadWrite[]): Promise<void> {
    return this.transaction((tx) => tx.putPayloads(payloads));
  }

  async liveSteps(queuedBefore: Date, limit: number): Promise<LiveStep[]> {
    const live = [...this.tables.steps.values()].flatMap((steps) => [...steps.values()]).filter((s) =>
      (s.status === 'queued' || s.status === 'running') && s.queued_at !== null && s.queued_at < queuedBefore && s.agent !== null && s.handoff === null && s.held_until === null);
    live.sort((a, b) => a.queued_at!.getTime() - b.queued_at!.getTime());
    return live.slice(0, limit).map((s) => copy({
      run_id: s.run_id, key: s.key, agent: s.agent, status: s.status, attempt: s.attempt, queued_at: s.queued_at, deadline_at: s.deadline_at, requeues: s.requeues,
    }));
  }

  async expiredWaits(now: Date, limit: number): Promise<ExpiredWait[]> {
    const expired = [...this.tables.steps.values()].flatMap((steps) => [...steps.values()]).filter((s) =>
      s.status === 'waiting' && s.deadline_at !== null && s.deadline_at < now);
    expired.sort((a, b) => a.deadline_at!.getTime() - b.deadline_at!.getTime());
    return expired.slice(0, limit).map((s) => ({ run_id: s.run_id, key: s.key, attempt: s.attempt }));
  }

  countRequeues(attempts: ReadonlyArray<{ runId: string; key: string; attempt: number; requeues?: number }>): Promise<number> {
    return this.transaction(async (tx) => tx.countRequeues(attempts));
  }

  /** What clients read, from the committed tables. */
  queries(): RunQueries {
    return {
      run: async (tenant, id) => {
        const run = this.tables.runs.get(id);
        return run && run.tenant === tenant ? copy(run) : undefined;
      },
      list: async (filter: RunListFilter) => {
        const after = filter.after;
        const newestFirst = (a: Pick<RunRow, 'created_at' | 'id'>, b: Pick<RunRow, 'created_at' | 'id'>) =>
          b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
        const rows = [...this.tables.runs.values()].filter((r) =>
          r.tenant === filter.tenant &&
          (!filter.status || r.status === filter.status) &&
          (!filter.template || r.template === filter.template || r.workflow_name === filter.template) &&
          (!after || newestFirst(r, { created_at: after.createdAt, id: after.id }) > 0));
        return rows.sort(newestFirst).slice(0, filter.limit).map((r) => copy(head(r)));
      },
      steps: async (tenant, runId) => (this.tables.runs.get(runId)?.tenant === tenant ? this.committed.steps([runId]) : []),
      payloads: async (tenant, ids) => {
        const mine = ids.filter((id) => {
          const p = this.tables.payloads.get(id);
          return p !== undefined && this.tables.runs.get(p.runId)?.tenant === tenant;
        });
        return this.committed.payloads(mine);
      },
      history: async (tenant, runId, after, limit) => {
        const run = this.tables.runs.get(runId);
        if (!run || run.tenant !== tenant) return undefined;
        const events = [...(this.tables.events.get(runId)?.values() ?? [])].filter((e) => e.seq > after).sort((a, b) => a.seq - b.seq).slice(0, limit);
        return { status: run.status, lastSeq: run.event_seq, events: copy(events) };
      },
    };
  }
}

/** The tables of one transaction (or the committed ones, for a single read). */
class MemoryTransaction implements RunStoreTransaction {
  constructor(private readonly t: Tables) {}

  async lock(runIds: readonly string[]): Promise<RunHead[]> {
    return (await this.heads(runIds)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async heads(runIds: readonly string[]): Promise<RunHead[]> {
    return [...new Set(runIds)].flatMap((id) => {
      const run = this.t.runs.get(id);
      return run ? [copy(head(run))] : [];
    });
  }

  async definitions(runIds: readonly string[]): Promise<Map<string, unknown>> {
    return new Map([...new Set(runIds)].flatMap((id) => {
      const run = this.t.runs.get(id);
      return run ? [[id, copy(run.definition)] as const] : [];
    }));
  }

  async steps(runIds: readonly string[]): Promise<StepRow[]> {
    return [...new Set(runIds)].flatMap((id) => copy([...(this.t.steps.get(id)?.values() ?? [])]));
  }

  async payloads(ids: readonly string[]): Promise<Map<string, unknown>> {
    return new Map(ids.flatMap((id) => {
      const p = this.t.payloads.get(id);
      return p ? [[id, copy(p.data)] as const] : [];
    }));
  }

  async countRequeues(attempts: ReadonlyArray<{ runId: string; key: string; attempt: number; requeues?: number }>): Promise<number> {
    let counted = 0;
    for (const a of attempts) {
      const step = this.t.steps.get(a.runId)?.get(a.key);
      if (!step || step.attempt !== a.attempt || (step.status !== 'queued' && step.status !== 'running')) continue;
      if (a.requeues !== undefined && step.requeues !== a.requeues) continue;
      step.requeues += 1;
      counted++;
    }
    return counted;
  }

  async putPayloads(payloads: readonly PayloadWrite[]): Promise<void> {
    for (const p of payloads) {
      if (!this.t.runs.has(p.runId)) throw new Error(`payload ${p.id}: no run ${p.runId} (foreign key)`);
      if (this.t.payloads.has(p.id)) throw new Error(`payload ${p.id} exists (primary key)`);
      this.t.payloads.set(p.id, { runId: p.runId, data: jsonb(JSON.parse(p.json)) });
    }
  }

  async writeTransitions({ steps, runs, events }: Transitions): Promise<void> {
    this.upsertSteps(steps);
    for (const u of runs) {
      const run = this.t.runs.get(u.id);
      if (!run) continue;
      Object.assign(run, {
        status: u.status, output: nullableJsonb(u.output), error: nullableJsonb(u.error), context: jsonb(u.context),
        started_at: time(u.started_at), finished_at: time(u.finished_at), event_seq: u.event_seq, used_bytes: u.used_bytes, signals: nullableJsonb(u.signals), usage: nullableJsonb(u.usage), paused_by: u.paused_by ?? null, version: run.version + 1,
      });
    }
    this.insertEvents(events);
  }

  async claimIdempotencyKeys(claims: readonly IdempotencyClaim[]): Promise<IdempotencyHolder[]> {
    const lost: IdempotencyClaim[] = [];
    for (const c of claims) {
      const id = `${c.tenant}\u0000${c.key}`;
      if (this.t.keys.has(id)) lost.push(c);
      else this.t.keys.set(id, { tenant: c.tenant, key: c.key, bodyHash: c.body_hash, runId: c.run_id });
    }
    const holders = new Map(lost.map((c) => [`${c.tenant}\u0000${c.key}`, this.t.keys.get(`${c.tenant}\u0000${c.key}`)!]));
    return [...holders.values()].map((h) => ({ ...h }));
  }

  async insertRuns({ runs, steps, events }: NewRuns): Promise<void> {
    for (const r of runs) {
      if (this.t.runs.has(r.id)) throw new Error(`run ${r.id} exists (primary key)`);
      this.t.runs.set(r.id, {
        ...r, definition: jsonb(r.definition), input: jsonb(r.input), output: nullableJsonb(r.output), error: nullableJsonb(r.error),
        context: jsonb(r.context), allowed_agents: nullableJsonb(r.allowed_agents ?? null), traceparent: r.traceparent ?? null, signals: null, usage: null, paused_by: r.paused_by ?? null, forked_from: r.forked_from ?? null, forked_from_step: r.forked_from_step ?? null, version: 0, created_at: new Date(r.created_at), started_at: time(r.started_at), finished_at: time(r.finished_at),
      });
    }
    this.upsertSteps(steps);
    this.insertEvents(events);
  }

  async takeSlots(claims: readonly SlotClaim[]): Promise<Set<string>> {
    const granted = new Set<string>();
    for (const c of claims) {
      const id = `${c.tenant}\u0000${c.key}`;
      const slot = this.t.slots.get(id) ?? { max: c.limit, running: 0 };
      slot.max = c.limit;
      this.t.slots.set(id, slot);
      const waiting = [...this.t.slotRuns.values()].some((r) => r.slot === id && !r.holding);
      const holding = !waiting && slot.running < slot.max;
      if (holding) {
        slot.running++;
        granted.add(c.runId);
      }
      this.t.slotRuns.set(c.runId, { slot: id, holding });
    }
    return granted;
  }

  async releaseSlots(runIds: readonly string[]): Promise<string[]> {
    const admitted: string[] = [];
    for (const runId of runIds) {
      const left = this.t.slotRuns.get(runId);
      if (!left) continue;
      this.t.slotRuns.delete(runId);
      const slot = this.t.slots.get(left.slot)!;
      if (left.holding) slot.running--;
      for (const [id, r] of this.t.slotRuns) {
        if (slot.running >= slot.max) break;
        if (r.slot !== left.slot || r.holding) continue;
        r.holding = true;
        slot.running++;
        admitted.push(id);
      }
    }
    return admitted;
  }

  async linkChildren(links: readonly RunLink[]): Promise<void> {
    for (const l of links) if (!this.t.links.has(l.childRunId)) this.t.links.set(l.childRunId, { ...l });
  }

  private upsertSteps(steps: readonly StepWrite[]): void {
    for (const s of steps) {
      if (!this.t.runs.has(s.run_id)) throw new Error(`step ${s.key}: no run ${s.run_id} (foreign key)`);
      const byKey = this.t.steps.get(s.run_id) ?? new Map<string, StepRow>();
      const before = byKey.get(s.key);
      // The same attempt keeps the reconciler's count; a new one starts at 0 (as stepsUpsertSql).
      byKey.set(s.key, stepRow(s, before && before.attempt === s.attempt ? before.requeues : 0));
      this.t.steps.set(s.run_id, byKey);
    }
  }

  private insertEvents(events: Transitions['events']): void {
    for (const e of events) {
      if (!this.t.runs.has(e.run_id)) throw new Error(`event ${e.seq}: no run ${e.run_id} (foreign key)`);
      const bySeq = this.t.events.get(e.run_id) ?? new Map<number, RunEventRow>();
      if (bySeq.has(e.seq)) throw new Error(`event ${e.run_id}/${e.seq} exists (primary key)`);
      this.t.events.set(e.run_id, bySeq.set(e.seq, { seq: e.seq, type: e.type, key: e.key, data: nullableJsonb(e.data), at: new Date(e.at) }));
    }
  }
}
