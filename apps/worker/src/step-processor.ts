import type { Agent, AgentOutcome } from '@baton/agents';
import { executeAgent } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import type { Runtime } from '@baton/runtime';
import type { Logger, Metrics } from '@baton/telemetry';
import { unstorableJson, unstorableStrings } from '@baton/workflow';

const START_RECORD_DELAY_MS = 20;

const attemptId = (runId: string, key: string, attempt: number) => `${runId}|${key}|${attempt}`;

/**
 * Runs one step job: records the start, runs the agent under an AbortSignal (timeout and
 * cancellation), then records the result. The result's transaction enqueues what became ready.
 */
export class StepProcessor {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly deps: { runtime: Runtime; agents: ReadonlyMap<string, Agent>; logger: Logger; metrics?: Metrics },
  ) {}

  /** Aborts a running attempt on this worker, if it is here (cancellation arrives by pub/sub). */
  abort(target: { runId: string; key: string; attempt: number }): void {
    this.running.get(attemptId(target.runId, target.key, target.attempt))?.abort(new Error('cancelled'));
  }

  /** Aborts everything still running (shutdown past its grace period). */
  abortAll(): void {
    for (const c of this.running.values()) c.abort(new Error('worker shutting down'));
  }

  async process(job: StepJob): Promise<void> {
    const { runtime, agents } = this.deps;
    const { runId, key, attempt } = job;
    const logger = this.deps.logger.child({ runId, stepKey: key, attempt, agent: job.agent });
    {
      const agent = agents.get(job.agent);
      const startedAt = new Date();
      // The start is recorded only when the agent is still running after START_RECORD_DELAY_MS: a
      // quick step's start and result then share one group commit (one row write instead of two).
      // Not awaited either way: group commit keeps this process's events in order.
      let startRecorded = false;
      const recordStart = () => {
        if (startRecorded) return;
        startRecorded = true;
        runtime.apply(runId, { type: 'step.started', key, attempt }, startedAt).catch((err) => logger.warn('recording start failed', { error: String(err) }));
      };
      const startTimer = setTimeout(recordStart, START_RECORD_DELAY_MS);
      if (!agent) {
        clearTimeout(startTimer);
        recordStart();
        await runtime.apply(runId, {
          type: 'step.failed', key, attempt, retryable: false,
          error: { code: 'UNKNOWN_AGENT', message: `this worker does not serve agent ${job.agent}` },
        });
        return;
      }
      const controller = new AbortController();
      const id = attemptId(runId, key, attempt);
      this.running.set(id, controller);
      let timedOut = false;
      const timer = job.timeoutMs
        ? setTimeout(() => { timedOut = true; controller.abort(new Error(`timed out after ${job.timeoutMs} ms`)); }, job.timeoutMs)
        : undefined;
      let event: RunEvent | undefined;
      try {
        const input = await runtime.payloads.hydrate(job.input);
        const outcome = await executeAgent(agent, { ...job, input }, { signal: controller.signal, logger });
        this.deps.metrics?.stepDuration.observe({ agent: job.agent }, (Date.now() - startedAt.getTime()) / 1000);
        if (timedOut) event = { type: 'step.timedOut', key, attempt };
        else if (controller.signal.aborted) event = undefined; // cancelled: the run already says so
        else event = await this.resultEvent(job, outcome);
      } finally {
        clearTimeout(startTimer);
        recordStart();
        if (timer) clearTimeout(timer);
        this.running.delete(id);
      }
      this.deps.metrics?.steps.inc({ agent: job.agent, status: event?.type.replace('step.', '') ?? 'cancelled' });
      if (!event) return;
      try {
        await runtime.apply(runId, event);
      } catch (err) {
        // The job fails: BullMQ keeps it as failed, and the reconciler runs the attempt again (up to BATON_MAX_REQUEUES).
        logger.error('recording the result failed', { event: event.type, error: String(err) });
        throw err;
      }
    }
  }

  /** What the attempt's outcome tells the run; a result that cannot be stored fails the step. */
  private async resultEvent({ runId, key, attempt }: StepJob, outcome: AgentOutcome): Promise<RunEvent> {
    if (outcome.type === 'failed') {
      const error = { code: visible(outcome.error.code), message: visible(outcome.error.message) };
      return { type: 'step.failed', key, attempt, error, retryable: outcome.retryable };
    }
    const refused = unstorable(outcome);
    if (refused) return { type: 'step.failed', key, attempt, retryable: false, error: { code: 'OUTPUT_NOT_STORABLE', message: `step ${key}: ${refused}` } };
    if (outcome.type === 'handoff') {
      return { type: 'step.succeeded', key, attempt, contextWrites: outcome.contextWrites, handoff: { to: outcome.to, input: outcome.input, reason: outcome.reason } };
    }
    const output = await this.deps.runtime.payloads.offload(runId, outcome.output);
    return { type: 'step.succeeded', key, attempt, output, contextWrites: outcome.contextWrites };
  }
}

/**
 * Why an agent's output, context writes or hand-off cannot be stored (a NUL, a lone surrogate),
 * or undefined when they can. Such a step fails with the reason: a write would fail its whole
 * group-commit batch, and replacing the characters would change the data unseen.
 */
function unstorable(outcome: Exclude<AgentOutcome, { type: 'failed' }>): string | undefined {
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
const visible = (text: string): string => text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
