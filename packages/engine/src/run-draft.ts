import type { CompiledStep, CompiledWorkflow } from '@baton/workflow';
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

  private readonly changed = new Map<string, StepState>();
  private readonly runChanges: Partial<RunFields> = {};
  private readonly commands: Command[] = [];

  constructor(
    readonly workflow: CompiledWorkflow,
    readonly base: Readonly<RunState>,
    readonly now: Date,
    /** Stored values by reference id (`DecideOptions.payloads`). */
    readonly payloads?: ReadonlyMap<string, unknown>,
  ) {
    this.nowIso = now.toISOString();
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
    return { run: { ...this.runChanges }, steps: [...this.changed.values()], commands: this.commands };
  }
}
