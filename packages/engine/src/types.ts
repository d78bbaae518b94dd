import type { RunLimits } from './run-limits';

/** The run model the engine decides over. Every field is JSON so the runtime can store it as rows. */

/** `paused`: the run starts no new attempt until it is resumed; attempts already running finish and are recorded. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';
/** `waiting`: a `wait` step suspended until its signal (or its timeout); no worker and no job hold it. */
export type StepStatus = 'pending' | 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export const FINAL_STEP_STATUSES: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
export const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A step's or a run's failure. `code` is machine-readable: `AGENT_ERROR`, `TIMEOUT`, `EXPRESSION`,
 * `LIMIT_EXCEEDED` (a configured limit of Baton's, named in the message), `CONTEXT_ACCESS`, `HANDOFF`,
 * `NEED_FAILED`, `CANCELLED`, `INVALID_INPUT`, `WAIT_TIMEOUT` (a `wait` step's `timeoutMs` passed), …
 */
export interface StepError {
  code: string;
  message: string;
  /** The step whose failure this is (on a run's error). */
  step?: string;
  /**
   * On a run's error when several steps failed: each of them (`onFailure: fail`), first to fail
   * first; `code`, `message` and `step` above are the first's.
   */
  steps?: { step: string; code: string; message: string }[];
}

/**
 * One execution entry, keyed as API.md says: a plain step's key is its id; a forEach step has a
 * parent entry keyed by its id and one child per item (`notify[3]`); a hand-off hop is its own
 * entry (`classify>handoff:1`, `notify[3]>handoff:2`).
 */
export interface StepState {
  key: string;
  /** The step's id in the definition. */
  stepId: string;
  /** The agent that runs this entry; null for a forEach parent or a sub-workflow step. */
  agent: string | null;
  status: StepStatus;
  /** Attempts started so far, counting every try (0 until first enqueued). Only the current attempt's results count. */
  attempt: number;
  /**
   * Attempts made before the run was last retried (`run.retried`): the re-run gets a fresh budget
   * of `retry.attempts` counted from here, while `attempt` goes on. Absent is 0.
   */
  priorAttempts?: number;
  /** forEach child or hand-off hop: the entry it belongs to. */
  parentKey?: string;
  /** forEach child: the item's index. */
  index?: number;
  /** Hand-off hop number, 1-based, for a hop entry. */
  hop?: number;
  /** The resolved input the agent received for the current attempt. */
  input?: unknown;
  output?: unknown;
  error?: StepError;
  /** Why a step was skipped or cancelled, for people. */
  reason?: string;
  /** forEach parent: the evaluated items. */
  items?: unknown[];
  /**
   * forEach parent bookkeeping, so that a child's completion costs O(1) rather than a scan of its
   * siblings: every child below `nextChild` has been started since the parent last (re)started, and
   * `childrenSucceeded` children have succeeded.
   */
  nextChild?: number;
  childrenSucceeded?: number;
  /** A hop that handed off: to whom and why. */
  handoff?: { to: string; reason?: string };
  /** ISO 8601 timestamps. */
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** When the current attempt times out (startedAt + timeoutMs). */
  deadlineAt?: string;
  /**
   * A `queued` attempt held by its paused run, with no job: the time from which it may start (its
   * retry back-off kept). The run's resume starts it; a report of the attempt is still taken.
   */
  heldUntil?: string;
}

/** Model tokens an agent reported spending (the `llm` agent), summed per step and per run. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface RunState {
  id: string;
  status: RunStatus;
  input: unknown;
  /** The run's shared context (`$context`). */
  context: Record<string, unknown>;
  /** 1..10, passed to every enqueued step (BullMQ priority). */
  priority: number;
  /**
   * The submitter's agent allow-list (its key's or token's `agents`), kept with the run: a hand-off
   * to an agent outside it fails the step. Absent means every agent.
   */
  allowedAgents?: string[];
  output?: unknown;
  error?: StepError;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * JSON bytes the run has stored so far: the inputs the engine gave its steps, forEach items,
   * outputs, context writes and hand-off inputs received, an evaluated `output`. Bounded by
   * `RunLimits.maxRunBytes`. Absent is 0.
   */
  usedBytes?: number;
  /**
   * Signals that arrived before a step waited for them, by name, each kept for the first `wait`
   * step that waits for its name. Absent is none.
   */
  signals?: Record<string, unknown>;
  /** The tokens its steps reported spending, every attempt included; held to `budget.tokens`. Absent is none. */
  usage?: TokenUsage;
  /** Who paused the run (a principal's subject, or `template:<name>`), while it is `paused`. */
  pausedBy?: string;
  steps: Record<string, StepState>;
}

/** What happened to a run. A result carries the attempt it belongs to: a stale one is ignored. */
export type RunEvent =
  | {
      type: 'run.submitted';
      /**
       * A fork's first decision: the run comes with the entries copied from run `from`, and `step`
       * (rerun from there) runs with `input`, when given, instead of its evaluated input.
       */
      fork?: { from: string; step: string; input?: unknown; by?: string };
    }
  | { type: 'step.started'; key: string; attempt: number; /** The worker that took the attempt, for its attempt log. */ worker?: string }
  | {
      type: 'step.succeeded';
      key: string;
      attempt: number;
      output?: unknown;
      /** `ctx.context.set` calls, applied when the step succeeds. */
      contextWrites?: Record<string, unknown>;
      /** The agent ended by handing off instead of returning an output. */
      handoff?: { to: string; input?: unknown; reason?: string };
      /** The tokens the attempt spent. */
      usage?: TokenUsage;
    }
  | { type: 'step.failed'; key: string; attempt: number; error: StepError; retryable: boolean; /** The tokens the attempt spent. */ usage?: TokenUsage }
  | { type: 'step.timedOut'; key: string; attempt: number }
  | {
      /** Text an agent streamed while it runs (an LLM's tokens), coalesced by the worker: a history event, nothing else. */
      type: 'step.progress';
      key: string;
      attempt: number;
      text: string;
    }
  | {
      type: 'signal.received';
      name: string;
      /** Any JSON, or a reference to a stored value: the output of the step it resumes. */
      payload: unknown;
    }
  | { type: 'run.cancelled'; reason?: string }
  | { type: 'run.retried' }
  /** `by`: who asked, for the history. */
  | { type: 'run.paused'; by?: string }
  | { type: 'run.resumed'; by?: string }
  /** Runs `fromStep` and everything downstream of it again (and, as a retry does, every step that did not succeed). */
  | { type: 'run.rerun'; fromStep: string; input?: unknown; by?: string };

/** A history entry, persisted in order and streamed to clients. */
export interface EmittedEvent {
  type: string;
  key?: string;
  data?: Record<string, unknown>;
}

/** What the runtime must do, after it has committed the new state. */
export type Command =
  | {
      type: 'enqueue';
      key: string;
      agent: string;
      attempt: number;
      input: unknown;
      priority: number;
      /** Backoff before a retry; 0 for a first attempt. */
      delayMs: number;
      timeoutMs?: number;
      /** The context keys this step may read, with their values. */
      context: Record<string, unknown>;
      /** The keys the step may write (`contextAccess.write`); absent means any. */
      contextWrite?: string[];
      /**
       * The secrets its input reads (`$secrets.NAME`): the input holds their markers, and the worker
       * replaces those (and only those) with the values just before the agent runs.
       */
      secrets?: string[];
      /** The run's `budget.tokens` and the tokens its steps had spent when this attempt was queued; absent without a budget. */
      tokenBudget?: { limit: number; used: number };
    }
  | {
      type: 'startChildRun';
      key: string;
      attempt: number;
      workflow: string;
      version?: number;
      input: unknown;
      priority: number;
      /** Backoff before a retry; 0 for a first attempt. */
      delayMs?: number;
    }
  | { type: 'cancel'; key: string; attempt: number; /** Filled in by the runtime from the entry, so a waiting job can be removed. */ agent?: string | null }
  /** Removes the attempt's job if no worker has taken it yet (a paused run); one already running is left to finish. */
  | { type: 'withdraw'; key: string; attempt: number; agent: string }
  | { type: 'finish'; status: 'succeeded' | 'failed' | 'cancelled'; output?: unknown; error?: StepError }
  | { type: 'emit'; event: EmittedEvent };

/**
 * The engine's answer to one event: the fields of the run that changed, the step entries that are
 * new or changed (whole), and the commands. `applyDecision` folds it into a state.
 */
export interface Decision {
  run: Partial<Omit<RunState, 'steps' | 'id'>>;
  steps: StepState[];
  commands: Command[];
}

/**
 * A large value stored once outside the run (see the runtime's payload store) and carried by
 * reference in outputs, inputs and jobs.
 */
export interface PayloadRef {
  $batonPayload: string;
  bytes: number;
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const ref = value as Partial<PayloadRef>;
  return Object.keys(value).length === 2 && typeof ref.$batonPayload === 'string' && typeof ref.bytes === 'number';
}

export interface DecideOptions {
  /** Stored values by reference id: expressions see a referenced output as the value itself. */
  payloads?: ReadonlyMap<string, unknown>;
  /** What a run may hold and build; the runtime passes its configuration. @defaultValue DEFAULT_RUN_LIMITS */
  limits?: Partial<RunLimits>;
}
