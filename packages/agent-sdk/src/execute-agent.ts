import type { Agent, AgentContext, AgentLogger, TokenBudget, TokenUsage } from './agent';
import { describeIssues } from './describe-issues';
import { Handoff } from './handoff';
import { NonRetryableError } from './non-retryable-error';
import { RecordingStepContext } from './step-context';
import { toJson } from './to-json';

/** What the worker knows of one step attempt. */
export interface AgentJob {
  input: unknown;
  /** The context keys the step may read, with their values. */
  context: Record<string, unknown>;
  runId: string;
  key: string;
  attempt: number;
  /** The run's token budget (`StepJob.tokenBudget`). */
  tokenBudget?: TokenBudget;
}

export interface ExecuteAgentOptions {
  /** Aborted on timeout or cancellation. */
  signal: AbortSignal;
  logger: AgentLogger;
  /** The agent's `ctx.deps`: what its `setup` returned (`startAgent` gives it). @defaultValue undefined */
  deps?: unknown;
  /** Gets each `ctx.progress` text; without it progress goes nowhere. */
  onProgress?: (text: string) => void;
}

/** The tokens an attempt reported, all three counts filled in. */
export type AttemptUsage = Required<TokenUsage>;

/**
 * How an attempt ended. Everything but `cause` is JSON. `code` is `INVALID_INPUT` (the input does
 * not match the agent's schema), `INVALID_OUTPUT` (not JSON-serialisable), `AGENT_ERROR` (`run`
 * threw; a {@link NonRetryableError} may carry its own code) or `ABORTED` (the signal was aborted).
 */
export type AgentOutcome = (
  | { type: 'succeeded'; output: unknown; contextWrites?: Record<string, unknown> }
  | { type: 'handoff'; to: string; input: unknown; reason?: string; contextWrites?: Record<string, unknown> }
  | {
      type: 'failed';
      error: { code: string; message: string };
      retryable: boolean;
      /** What the agent threw, for logs (with its stack); never stored. */
      cause?: unknown;
    }
) & { /** The tokens `ctx.recordUsage` reported; absent when it was not called. */ usage?: AttemptUsage };

type Failed = Extract<AgentOutcome, { type: 'failed' }>;

const failed = (code: string, message: string, retryable: boolean, cause?: unknown): Failed =>
  cause === undefined ? { type: 'failed', error: { code, message }, retryable } : { type: 'failed', error: { code, message }, retryable, cause };

// Duck-typed: a DOMException (AbortSignal.timeout's reason) or an error from another realm is no `instanceof Error`.
const messageOf = (error: unknown): string => {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
};

// A timeout or a cancellation: whether to try again is the engine's call (a timed-out attempt is a
// failed attempt and may be retried), so it is reported as retryable.
const aborted = (signal: AbortSignal): Failed => {
  const reason = signal.reason === undefined ? undefined : messageOf(signal.reason);
  return failed('ABORTED', reason ? `aborted: ${reason}` : 'aborted', true);
};

/** Settles with `work`, or rejects as soon as the signal aborts (an agent that ignores it cannot hold the worker). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Runs one attempt of an agent and reports how it ended; never throws. The input is validated
 * first, the output made JSON, and context writes returned only with a success or a hand-off.
 */
export async function executeAgent(agent: Agent, job: AgentJob, options: ExecuteAgentOptions): Promise<AgentOutcome> {
  const { signal, logger } = options;
  if (signal.aborted) return aborted(signal);
  const parsed = agent.input.safeParse(job.input);
  if (!parsed.success) return failed('INVALID_INPUT', `invalid input for agent "${agent.name}": ${describeIssues(parsed.error.issues)}`, false);

  const context = new RecordingStepContext(job.context);
  let usage: AttemptUsage | undefined;
  const ctx: AgentContext = {
    signal,
    runId: job.runId,
    key: job.key,
    attempt: job.attempt,
    logger,
    context,
    deps: options.deps,
    handoff: (to, input, reason) => {
      if (typeof to !== 'string' || to.length === 0) throw new NonRetryableError('ctx.handoff needs the name of the agent to hand off to');
      return new Handoff(to, input === undefined ? job.input : input, reason);
    },
    progress: (text) => {
      if (typeof text === 'string' && text.length > 0) options.onProgress?.(text);
    },
    recordUsage: (spent) => {
      usage = addUsage(usage, spent);
    },
    ...(job.tokenBudget ? { tokenBudget: job.tokenBudget } : {}),
  };

  const withUsage = (outcome: AgentOutcome): AgentOutcome => (usage === undefined ? outcome : { ...outcome, usage });
  let result: unknown;
  try {
    result = await untilAborted(Promise.resolve().then(() => agent.run(parsed.data, ctx)), signal);
  } catch (error) {
    if (signal.aborted) return withUsage(aborted(signal));
    return withUsage(failed(NonRetryableError.codeOf(error), messageOf(error), !NonRetryableError.is(error), error));
  }

  const contextWrites = context.writes();
  const writes = contextWrites ? { contextWrites } : {};
  try {
    if (Handoff.is(result)) {
      const reason = result.reason === undefined ? {} : { reason: result.reason };
      return withUsage({ type: 'handoff', to: result.to, input: toJson(result.input), ...reason, ...writes });
    }
    return withUsage({ type: 'succeeded', output: toJson(result), ...writes });
  } catch (error) {
    return withUsage(failed('INVALID_OUTPUT', `agent "${agent.name}" returned a value that is not JSON-serialisable: ${messageOf(error)}`, false, error));
  }
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** `sum` plus what `ctx.recordUsage` was given, checked. */
function addUsage(sum: AttemptUsage | undefined, spent: TokenUsage): AttemptUsage {
  const { promptTokens, completionTokens } = spent ?? ({} as Partial<TokenUsage>);
  const totalTokens = spent?.totalTokens ?? (isCount(promptTokens) && isCount(completionTokens) ? promptTokens + completionTokens : undefined);
  if (!isCount(promptTokens) || !isCount(completionTokens) || !isCount(totalTokens)) {
    throw new NonRetryableError('ctx.recordUsage needs promptTokens, completionTokens (and totalTokens, if given) as non-negative integers');
  }
  return {
    promptTokens: (sum?.promptTokens ?? 0) + promptTokens,
    completionTokens: (sum?.completionTokens ?? 0) + completionTokens,
    totalTokens: (sum?.totalTokens ?? 0) + totalTokens,
  };
}
