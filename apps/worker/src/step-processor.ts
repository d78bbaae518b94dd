import type { Agent } from '@baton/agents';
import { executeAgent } from '@baton/agents';
import type { RunEvent } from '@baton/engine';
import type { StepJob } from '@baton/queue';
import type { Runtime } from '@baton/runtime';
import type { Logger, Metrics } from '@baton/telemetry';

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
        else if (outcome.type === 'succeeded') {
          const output = await runtime.payloads.offload(runId, outcome.output);
          event = { type: 'step.succeeded', key, attempt, output, contextWrites: outcome.contextWrites };
        }
        else if (outcome.type === 'handoff') {
          event = { type: 'step.succeeded', key, attempt, contextWrites: outcome.contextWrites, handoff: { to: outcome.to, input: outcome.input, reason: outcome.reason } };
        } else event = { type: 'step.failed', key, attempt, error: outcome.error, retryable: outcome.retryable };
      } finally {
        clearTimeout(startTimer);
        recordStart();
        if (timer) clearTimeout(timer);
        this.running.delete(id);
      }
      this.deps.metrics?.steps.inc({ agent: job.agent, status: event?.type.replace('step.', '') ?? 'cancelled' });
      if (event) await runtime.apply(runId, event);
    }
  }
}
