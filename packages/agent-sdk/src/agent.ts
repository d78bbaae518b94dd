import type { z } from 'zod';
import { AGENT_NAME } from './agent-name';
import type { Handoff } from './handoff';

/** Structured fields of a log line. */
export type AgentLogMeta = Record<string, unknown>;

/**
 * The logging an agent gets. The same shape as `@baton/core`'s `Logger` port (the worker passes
 * its own logger), declared here so that the SDK depends on nothing.
 */
export interface AgentLogger {
  info(message: string, meta?: AgentLogMeta): void;
  warn(message: string, meta?: AgentLogMeta): void;
  error(message: string, meta?: AgentLogMeta): void;
}

/**
 * The run's shared context as this step sees it: only the keys the step may read. Writes are
 * recorded and applied to the run when the step succeeds; a write the step may not make fails
 * the step then.
 */
export interface StepContext {
  /** The value of a readable key (or one this agent has set), undefined otherwise. */
  get(key: string): unknown;
  /** The readable keys and those this agent has set. */
  keys(): string[];
  /**
   * Records a write.
   * @throws NonRetryableError when the value is not JSON-serialisable.
   */
  set(key: string, value: unknown): void;
}

/** Model tokens an agent spent; `totalTokens` defaults to the sum of the other two. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens?: number;
}

/** The run's token budget (`budget.tokens` of its workflow) when this attempt was queued. */
export interface TokenBudget {
  /** The budget. */
  readonly limit: number;
  /** What the run's steps had spent by then. */
  readonly used: number;
}

/** @typeParam D - what the agent's `setup` returned: {@link AgentContext.deps}. */
export interface AgentContext<D = unknown> {
  /** Aborted when the attempt times out or the run is cancelled: stop promptly. */
  readonly signal: AbortSignal;
  readonly runId: string;
  /** The execution entry's key (`classify`, `notify[3]`, `classify>handoff:1`). */
  readonly key: string;
  /** 1-based; counts every try of the step. */
  readonly attempt: number;
  readonly logger: AgentLogger;
  readonly context: StepContext;
  /**
   * What the agent's `setup` returned when the worker started (clients, pools, resolved
   * secrets); undefined for an agent without `setup`. Every attempt on this worker shares it, at
   * once: keep per-attempt state out of it.
   */
  readonly deps: D;
  /**
   * Ends the step by handing it to agent `to` (which must be in the step's `handoffs`): return
   * the result from `run`. `input` defaults to the input this agent received.
   */
  handoff(to: string, input?: unknown, reason?: string): Handoff;
  /**
   * Streams text while the agent runs (an LLM's tokens): the worker coalesces what arrives within
   * about 100 ms into one `step.progress` event of the run's history and live stream. Best effort:
   * a progress event that cannot be recorded is dropped, never the step.
   */
  progress(text: string): void;
  /**
   * Reports model tokens this attempt spent; calls add up. Recorded with the attempt's outcome,
   * a failure included, and summed on the step and the run.
   * @throws NonRetryableError when a count is not a non-negative integer.
   */
  recordUsage(usage: TokenUsage): void;
  /** The run's token budget; undefined when its workflow sets none. An agent that spends tokens refuses to start once `used >= limit`. */
  readonly tokenBudget?: TokenBudget;
}

/** What `setup` gets besides the agent's config. */
export interface AgentSetupContext {
  /** The worker's logger; its lines carry the agent's name. */
  readonly logger: AgentLogger;
  /**
   * Aborted when the worker shuts down: a setup still waiting (for a connection, say) should
   * give up, and background work that `setup` started should stop.
   */
  readonly signal: AbortSignal;
}

/** An output value (JSON-serialisable) or a hand-off. */
export type AgentResult<O> = O | Handoff;

/**
 * An agent, as {@link defineAgent} makes it (frozen, and recognised by {@link isAgent}).
 * @typeParam D - what `setup` returns and `run` receives as `ctx.deps`.
 */
export interface Agent<I = unknown, O = unknown, D = unknown> {
  /** Matches {@link AGENT_NAME}; the agent's queue is `agent.<name>`. */
  readonly name: string;
  readonly description: string;
  /** Validates the step's input before `run` sees it. */
  readonly input: z.ZodType<I, z.ZodTypeDef, unknown>;
  /** Validates the agent's config before `setup` sees it; absent when the agent declares none. */
  readonly config?: z.ZodType<unknown, z.ZodTypeDef, unknown>;
  /** Runs once when a worker starts serving the agent. */
  setup?(config: unknown, ctx: AgentSetupContext): D | PromiseLike<D>;
  /** Runs once when that worker stops, with what `setup` returned. */
  close?(deps: D): void | PromiseLike<void>;
  run(input: I, ctx: AgentContext<D>): AgentResult<O> | Promise<AgentResult<O>>;
}

/**
 * What {@link defineAgent} takes.
 * @typeParam S - the input schema. @typeParam C - the config schema. @typeParam D - what `setup` returns.
 */
export interface AgentDefinition<S extends z.ZodTypeAny, O, C extends z.ZodTypeAny = z.ZodUnknown, D = undefined> {
  name: string;
  /** @defaultValue `''` */
  description?: string;
  input: S;
  /**
   * The agent's configuration object, parsed before `setup` gets it. A worker reads it from its
   * `BATON_AGENT_CONFIG` (a JSON object keyed by agent name); an agent without an entry there
   * gets `{}` parsed, so the schema's defaults apply. A value the schema refuses stops the worker
   * at start-up. Without a schema `setup` gets the entry as it is.
   */
  config?: C;
  /**
   * Builds what `run` needs and is costly or must be shared (clients, pools, secrets read from
   * the environment): once per worker, before it takes a job. A setup that throws stops the
   * worker at start-up with the agent's name. Its result is `ctx.deps`.
   */
  setup?(config: z.output<C>, ctx: AgentSetupContext): D | PromiseLike<D>;
  /** Releases what `setup` built (undefined without one), when the worker stops, after its last job. */
  close?(deps: D): void | PromiseLike<void>;
  run(input: z.output<S>, ctx: AgentContext<D>): AgentResult<O> | Promise<AgentResult<O>>;
}

// A symbol from the global registry: an agent made by another copy of the SDK (a module with its
// own node_modules) is still recognised when a worker loads it.
const BRAND = Symbol.for('baton.agent-sdk.Agent');

/** True for an agent made by {@link defineAgent}, by this copy of the SDK or another. */
export function isAgent(value: unknown): value is Agent {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * Defines an agent. `run` gets the input parsed by `input` and returns an output, or
 * `ctx.handoff(...)`; it throws to fail (a {@link NonRetryableError} to fail without retries).
 * @throws RangeError when the name is not a valid agent name.
 */
export function defineAgent<S extends z.ZodTypeAny, O, C extends z.ZodTypeAny = z.ZodUnknown, D = undefined>(
  definition: AgentDefinition<S, O, C, D>,
): Agent<z.output<S>, O, D> {
  if (!AGENT_NAME.test(definition.name)) throw new RangeError(`invalid agent name ${JSON.stringify(definition.name)}: must match ${AGENT_NAME.source}`);
  const { name, description = '', input, config } = definition;
  // Bound calls, so that a method-style definition keeps its `this`.
  const agent: Agent<z.output<S>, O, D> & { [BRAND]: true } = {
    [BRAND]: true,
    name,
    description,
    input,
    ...(config ? { config } : {}),
    ...(definition.setup ? { setup: (value: unknown, ctx: AgentSetupContext) => definition.setup!(value as z.output<C>, ctx) } : {}),
    ...(definition.close ? { close: (deps: D) => definition.close!(deps) } : {}),
    run: (value: z.output<S>, ctx: AgentContext<D>) => definition.run(value, ctx),
  };
  return Object.freeze(agent);
}
