import type { AgentLogger, AgentOutcome } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import { SecretRefusedError, maskSecrets, maskText, maskable } from '@baton/runtime';
import { replaceSecretMarkers, secretMarkersIn } from '@baton/workflow';

/** Where a worker gets secrets' values (`SecretResolver` of `@baton/runtime`). */
export interface SecretSource {
  /** @throws SecretRefusedError when one cannot be given; anything else when the store cannot be read */
  resolve(tenant: string, names: readonly string[], agent: string): Promise<Map<string, string>>;
}

/** The input the agent gets, and the values to mask in whatever comes back. */
export interface ResolvedInput {
  input: unknown;
  /** The secret values the agent was given, longest first (`maskable`). */
  mask: string[];
}

/**
 * Replaces the secret markers of a step's input with the values, just before the agent runs. Only
 * markers of the secrets the step's own input template names (`job.secrets`) are replaced: a marker
 * arriving in data (an output of another step, the run's input) stays text. The values live in
 * this attempt's memory only.
 * @returns the input with values, or the failure of the step (not retried) naming the secret and the agent
 * @throws what the store throws (the job fails; the attempt is run again later)
 */
export async function resolveSecrets(job: StepJob, input: unknown, source: SecretSource | undefined): Promise<ResolvedInput | { refused: RunEvent }> {
  const allowed = new Set(job.secrets ?? []);
  if (allowed.size === 0) return { input, mask: [] };
  const names = [...secretMarkersIn(input)].filter((name) => allowed.has(name));
  if (names.length === 0) return { input, mask: [] };
  try {
    if (!source) throw new SecretRefusedError(`secret ${names[0]} cannot be resolved: secrets are not configured on this worker (set BATON_SECRET_KEY)`);
    const values = await source.resolve(job.tenant ?? 'default', names, job.agent);
    return { input: replaceSecretMarkers(input, values), mask: maskable(values.values()) };
  } catch (err) {
    if (!(err instanceof SecretRefusedError)) throw err;
    return { refused: { type: 'step.failed', key: job.key, attempt: job.attempt, retryable: false, error: { code: err.code, message: `step ${job.key}: ${err.message}` } } };
  }
}

/** The outcome with every secret value masked (`***`) in what will be stored: output, hand-off, context writes, error. */
export function maskOutcome(outcome: AgentOutcome, mask: readonly string[]): AgentOutcome {
  if (mask.length === 0) return outcome;
  const usage = outcome.usage ? { usage: outcome.usage } : {};
  const writes = (o: { contextWrites?: Record<string, unknown> }) => (o.contextWrites ? { contextWrites: maskSecrets(o.contextWrites, mask) as Record<string, unknown> } : {});
  switch (outcome.type) {
    case 'succeeded':
      return { type: 'succeeded', output: maskSecrets(outcome.output, mask), ...writes(outcome), ...usage };
    case 'handoff': {
      const reason = outcome.reason === undefined ? {} : { reason: maskText(outcome.reason, mask) };
      return { type: 'handoff', to: outcome.to, input: maskSecrets(outcome.input, mask), ...reason, ...writes(outcome), ...usage };
    }
    case 'failed':
      // `cause` (what the agent threw) is never stored nor logged: dropped with its stack.
      return { type: 'failed', retryable: outcome.retryable, error: { code: outcome.error.code, message: maskText(outcome.error.message, mask) }, ...usage };
  }
}

/** A logger for the agent that masks the secret values in its lines (message and fields). */
export function maskingLogger<L extends AgentLogger>(logger: L, mask: readonly string[]): AgentLogger {
  if (mask.length === 0) return logger;
  const line = (level: keyof AgentLogger) => (message: string, meta?: Record<string, unknown>) =>
    logger[level](maskText(message, mask), meta === undefined ? undefined : (maskSecrets(meta, mask) as Record<string, unknown>));
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * The worker's own check of `contextAccess.write` (the engine checks again): a write outside the
 * step's grant fails the step, not retried, naming the keys and the agent.
 */
export function contextRefusal(job: StepJob, outcome: AgentOutcome): RunEvent | undefined {
  if (outcome.type === 'failed' || !outcome.contextWrites || job.contextWrite === undefined) return undefined;
  const grant = job.contextWrite;
  const outside = Object.keys(outcome.contextWrites).filter((key) => !grant.includes(key));
  if (outside.length === 0) return undefined;
  const message = `step ${job.key}: agent ${job.agent} may not write context ${outside.join(', ')} (contextAccess.write: [${grant.join(', ')}])`;
  return { type: 'step.failed', key: job.key, attempt: job.attempt, retryable: false, error: { code: 'CONTEXT_ACCESS', message } };
}
