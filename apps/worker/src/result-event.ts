import type { AgentOutcome } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import { unstorableJson, unstorableStrings } from '@baton/workflow';

/** The attempt an event is about. */
export interface AttemptRef {
  runId: string;
  key: string;
  attempt: number;
}

/** Stores a large output once and returns what stands for it (`Runtime.payloads.offload`). */
export type Offload = (runId: string, value: unknown) => Promise<unknown>;

/**
 * What an attempt's outcome tells the run: `step.timedOut` when its timeout fired, nothing when it
 * was cancelled (the run already says so), else the outcome as an event. A result that cannot be
 * stored fails the step with OUTPUT_NOT_STORABLE; a large output is offloaded.
 */
export async function resultEvent(
  ref: AttemptRef,
  outcome: AgentOutcome,
  ending: { timedOut: boolean; aborted: boolean },
  offload: Offload,
): Promise<RunEvent | undefined> {
  const { runId, key, attempt } = ref;
  if (ending.timedOut) return { type: 'step.timedOut', key, attempt };
  if (ending.aborted) return undefined;
  // What the attempt spent counts whatever became of it.
  const usage = outcome.usage ? { usage: outcome.usage } : {};
  if (outcome.type === 'failed') {
    const error = { code: visible(outcome.error.code), message: visible(outcome.error.message) };
    return { type: 'step.failed', key, attempt, error, retryable: outcome.retryable, ...usage };
  }
  const refused = unstorable(outcome);
  if (refused) return { type: 'step.failed', key, attempt, retryable: false, error: { code: 'OUTPUT_NOT_STORABLE', message: `step ${key}: ${refused}` }, ...usage };
  if (outcome.type === 'handoff') {
    return { type: 'step.succeeded', key, attempt, contextWrites: outcome.contextWrites, handoff: { to: outcome.to, input: outcome.input, reason: outcome.reason }, ...usage };
  }
  const output = await offload(runId, outcome.output);
  return { type: 'step.succeeded', key, attempt, output, contextWrites: outcome.contextWrites, ...usage };
}

/** The failure of a job for an agent this worker does not serve. */
export function unknownAgentEvent(ref: AttemptRef, agent: string): RunEvent {
  return { type: 'step.failed', key: ref.key, attempt: ref.attempt, retryable: false, error: { code: 'UNKNOWN_AGENT', message: `this worker does not serve agent ${agent}` } };
}

/**
 * Why an agent's output, context writes or hand-off cannot be stored (a NUL, a lone surrogate),
 * or undefined when they can. Such a step fails with the reason: a write would fail its whole
 * group-commit batch, and replacing the characters would change the data unseen.
 */
export function unstorable(outcome: Exclude<AgentOutcome, { type: 'failed' }>): string | undefined {
  const result =
    outcome.type === 'succeeded'
      ? { output: outcome.output, context: outcome.contextWrites }
      : { handoff: { to: outcome.to, input: outcome.input, reason: outcome.reason }, context: outcome.contextWrites };
  if (!unstorableJson(JSON.stringify(result))) return undefined;
  const problems = unstorableStrings(result, '', 5);
  return `the result cannot be stored: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
}

// NULs and lone surrogates in an error message (for people, not data) are shown as escapes.
// eslint-disable-next-line no-control-regex -- the NUL is what it looks for
const INVISIBLE = /\u0000|\p{Cs}/gu;

/** The text with each NUL and lone surrogate written as a `\uXXXX` escape. */
export const visible = (text: string): string => text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
