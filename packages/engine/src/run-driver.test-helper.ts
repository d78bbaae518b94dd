import { compileWorkflow, workflowSchema, type CompiledWorkflow, type WorkflowInput } from '@baton/workflow';
import { applyDecision } from './apply-decision';
import { decide } from './decide';
import { initialRun } from './initial-run';
import type { RunLimits } from './run-limits';
import { hasJob } from './step-outcomes';
import type { Command, Decision, RunEvent, RunState, StepState } from './types';

export const T0 = Date.UTC(2025, 0, 1);

/** A workflow from its steps alone, with the defaults the schema fills in. */
export function workflowOf(steps: WorkflowInput['steps'], output?: unknown): CompiledWorkflow {
  return compileWorkflow(workflowSchema.parse({ name: 'test', steps, output }));
}

export interface DriverOptions {
  input?: unknown;
  priority?: number;
  /** Passed to every decision (`DecideOptions.limits`). */
  limits?: Partial<RunLimits>;
  /** What the run holds already (`RunState.usedBytes`). */
  usedBytes?: number;
  /** The submitter's agent allow-list (`RunState.allowedAgents`). */
  allowedAgents?: string[];
}

type StepResult = Omit<Extract<RunEvent, { type: 'step.succeeded' }>, 'type' | 'key' | 'attempt'>;

/**
 * Drives one run with the engine alone, the way the runtime does: decide, then fold the decision in.
 */
export class RunDriver {
  state: RunState;
  readonly decisions: Decision[] = [];
  private clock = T0;

  constructor(
    readonly workflow: CompiledWorkflow,
    private readonly options: DriverOptions = {},
  ) {
    this.state = initialRun({ id: 'run-1', input: options.input ?? {}, priority: options.priority ?? 5, now: this.now(), allowedAgents: options.allowedAgents });
    if (options.usedBytes !== undefined) this.state.usedBytes = options.usedBytes;
  }

  static async submit(workflow: CompiledWorkflow, options?: DriverOptions): Promise<RunDriver> {
    const driver = new RunDriver(workflow, options);
    await driver.send({ type: 'run.submitted' });
    return driver;
  }

  now(): Date {
    return new Date(this.clock);
  }

  tick(ms: number): void {
    this.clock += ms;
  }

  async send(event: RunEvent): Promise<Decision> {
    const decision = await decide(this.workflow, this.state, event, this.now(), { limits: this.options.limits });
    this.state = applyDecision(this.state, decision);
    this.decisions.push(decision);
    return decision;
  }

  entry(key: string): StepState {
    return this.state.steps[key]!;
  }

  status(key: string): string {
    return this.entry(key).status;
  }

  /** The entries a worker holds now (queued or running), in the state's order. */
  jobs(): StepState[] {
    return Object.values(this.state.steps).filter(hasJob);
  }

  start(key: string): Promise<Decision> {
    return this.send({ type: 'step.started', key, attempt: this.entry(key).attempt });
  }

  succeed(key: string, output?: unknown, extra: Omit<StepResult, 'output'> = {}): Promise<Decision> {
    return this.send({ type: 'step.succeeded', key, attempt: this.entry(key).attempt, output, ...extra });
  }

  fail(key: string, retryable = true, message = 'boom'): Promise<Decision> {
    return this.send({ type: 'step.failed', key, attempt: this.entry(key).attempt, retryable, error: { code: 'AGENT_ERROR', message } });
  }

  timeOut(key: string): Promise<Decision> {
    return this.send({ type: 'step.timedOut', key, attempt: this.entry(key).attempt });
  }

  /** Every command of one type, across all decisions so far. */
  commands<T extends Command['type']>(type: T): Extract<Command, { type: T }>[] {
    return this.decisions.flatMap((d) => d.commands.filter((c): c is Extract<Command, { type: T }> => c.type === type));
  }

  /** The emitted history, as `type` or `type key`. */
  history(): string[] {
    return this.commands('emit').map(({ event }) => (event.key === undefined ? event.type : `${event.type} ${event.key}`));
  }
}
