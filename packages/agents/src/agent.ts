import type { Logger } from '@baton/core';
import { AGENT_NAME } from '@baton/workflow';
import type { z } from 'zod';
import type { Handoff } from './handoff';

/** The logging an agent gets: `@baton/core`'s `Logger` port, implemented by the worker's logger. */
export type AgentLogger = Logger;

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

export interface AgentContext {
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
   * Ends the step by handing it to agent `to` (which must be in the step's `handoffs`): return
   * the result from `run`. `input` defaults to the input this agent received.
   */
  handoff(to: string, input?: unknown, reason?: string): Handoff;
}

/** An output value (JSON-serialisable) or a hand-off. */
export type AgentResult<O> = O | Handoff;

export interface Agent<I = unknown, O = unknown> {
  /** Matches `[a-z0-9][a-z0-9._-]{0,63}`; the agent's queue is `agent.<name>`. */
  readonly name: string;
  readonly description: string;
  /** Validates the step's input before `run` sees it. */
  readonly input: z.ZodType<I, z.ZodTypeDef, unknown>;
  run(input: I, ctx: AgentContext): AgentResult<O> | Promise<AgentResult<O>>;
}

export interface AgentDefinition<S extends z.ZodTypeAny, O> {
  name: string;
  /** @defaultValue `''` */
  description?: string;
  input: S;
  run(input: z.output<S>, ctx: AgentContext): AgentResult<O> | Promise<AgentResult<O>>;
}

/**
 * Defines an agent. `run` gets the input parsed by `input` and returns an output, or
 * `ctx.handoff(...)`; it throws to fail (a {@link NonRetryableError} to fail without retries).
 * @throws RangeError when the name is not a valid agent name.
 */
export function defineAgent<S extends z.ZodTypeAny, O>(definition: AgentDefinition<S, O>): Agent<z.output<S>, O> {
  if (!AGENT_NAME.test(definition.name)) throw new RangeError(`invalid agent name ${JSON.stringify(definition.name)}: must match ${AGENT_NAME.source}`);
  const { name, description = '', input } = definition;
  return Object.freeze({ name, description, input, run: (value: z.output<S>, ctx: AgentContext) => definition.run(value, ctx) });
}
