import { ByteBudget, type CompiledStep, type CompiledTemplate, type CompiledWorkflow, type EvaluateOptions, type Scope } from '@baton/workflow';
import { DEFAULT_RUN_LIMITS, type RunLimits } from './run-limits';
import type { Command, Decision, EmittedEvent, RunState, RunStatus, StepState } from './types';

type RunFields = Omit<RunState, 'steps' | 'id'>;

/**
 * One decision in progress: the changed step entries and run fields laid over the untouched
 * state, so that an event costs what it touches rather than the size of the run. Entries are
 * never mutated: a change puts a new object.
 */
export class RunDraft {
  readonly nowIso: string;
  /** Entries that became final and whose owner (root, parent, dependants) has yet to hear of it. */
  readonly settled: string[] = [];
  /** Top-level step ids to look at: they may have become ready. */
  readonly candidates: string[] = [];
  /** Whether a top-level entry became final, so that the run may be over. */
  topLevelSettled = false;
  /** An input a person gave a step (re-run, fork): used instead of its evaluated input if it starts in this decision. */
  edited?: { step: string; input: unknown };

  /** The bytes the run may still create, shared by every evaluation of this decision. */
  readonly budget: ByteBudget;

  private readonly changed = new Map<string, StepState>();
  private readonly runChanges: Partial<RunFields> = {};
  private readonly commands: Command[] = [];
  /** Bytes this decision added to what the run holds. */
  private stored = 0;

  constructor(
    readonly workflow: CompiledWorkflow,
    readonly base: Readonly<RunState>,
    readonly now: Date,
    /** Stored values by reference id (`DecideOptions.payloads`). */
    readonly payloads?: ReadonlyMap<string, unknown>,
    readonly limits: RunLimits = DEFAULT_RUN_LIMITS,
  ) {
    this.nowIso = now.toISOString();
    this.budget = new ByteBudget(limits.maxRunBytes, base.usedBytes ?? 0);
  }

  /**
   * Evaluates one of the run's templates against the decision's byte budget. `bytes` is the size
   * of what it built: pass it to `store` if the value is kept.
   * @throws ExpressionError, LimitExceededError (see `CompiledTemplate.evaluate`)
   */
  async evaluate(template: CompiledTemplate, scope: Scope, maxItems?: EvaluateOptions['maxItems']): Promise<{ value: unknown; bytes: number }> {
    const before = this.budget.used;
    const value = await template.evaluate(scope, { budget: this.budget, limits: this.limits.expressions, maxItems });
    return { value, bytes: this.budget.used - before };
  }

  /** Adds bytes the decision stores (an evaluated value already charged to the budget) to the run's count. */
  store(bytes: number): void {
    this.stored += bytes;
  }

  /** Takes bytes that came from outside (a worker's output): false, and nothing taken, when the run cannot hold them. */
  receive(bytes: number): boolean {
    if (this.budget.used + bytes > this.budget.limit) return false;
    this.budget.used += bytes;
    this.stored += bytes;
    return true;
  }

  /** How many entries the run holds, those this decision created included. */
  entryCount(): number {
    let count = Object.keys(this.base.steps).length;
    for (const key of this.changed.keys()) if (!Object.hasOwn(this.base.steps, key)) count++;
    return count;
  }

  get(key: string): StepState | undefined {
    // Own entries only: a step id must never find a prototype member (`constructor`).
    return this.changed.get(key) ?? (Object.hasOwn(this.base.steps, key) ? this.base.steps[key] : undefined);
  }

  /** The entry, known to exist. */
  entry(key: string): StepState {
    return this.get(key)!;
  }

  put(entry: StepState): StepState {
    this.changed.set(entry.key, entry);
    return entry;
  }

  step(id: string): CompiledStep {
    return this.workflow.steps.get(id)!;
  }

  run<K extends keyof RunFields>(field: K): RunFields[K] {
    return field in this.runChanges ? (this.runChanges[field] as RunFields[K]) : this.base[field];
  }

  get status(): RunStatus {
    return this.run('status');
  }

  setRun(fields: Partial<RunFields>): void {
    Object.assign(this.runChanges, fields);
  }

  command(command: Command): void {
    this.commands.push(command);
  }

  emit(type: string, key?: string, data?: Record<string, unknown>): void {
    const event: EmittedEvent = { type };
    if (key !== undefined) event.key = key;
    if (data !== undefined) event.data = data;
    this.commands.push({ type: 'emit', event });
  }

  decision(): Decision {
    const run: Partial<RunFields> = { ...this.runChanges };
    if (this.stored > 0) run.usedBytes = (this.base.usedBytes ?? 0) + this.stored;
    return { run, steps: [...this.changed.values()], commands: this.commands };
  }
}
