import { executeAgent, type StartedAgent } from '@baton/agents';
import { noopTracer, type Span, type Tracer } from '@baton/core';
import type { RunEvent } from '@baton/engine';
import { parseTraceparent, type StepDelivery, type StepJob } from '@baton/queue';
import { maskText, within } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';
import { AttemptTimers, type Timers } from './attempt-timers';
import { resultEvent, unknownAgentEvent, visible, type Offload } from './result-event';
import { RunningAttempts, attemptTrace, type RunningAttempt } from './running-attempts';
import { ProgressStream } from './progress-stream';
import { contextRefusal, maskOutcome, maskingLogger, resolveSecrets, type SecretSource } from './step-secrets';
import { queueWaitSeconds, stepStatus, type StepMetrics } from './step-metrics';

const START_RECORD_DELAY_MS = 20;
// Redis that does not answer cannot tell who holds the job: the result is recorded (first to commit wins).
const OWNERSHIP_CHECK_MS = 1000;

/** The runtime as the step processor uses it (`Runtime` in production; a recording fake in unit tests). */
export interface StepRuntime {
  /** Applies an event through group commit; resolves once it is durable. */
  apply(runId: string, event: RunEvent, at?: Date): Promise<void>;
  /** A value with its payload references replaced by the stored values. */
  hydrate(value: unknown): Promise<unknown>;
  offload: Offload;
}

export interface StepProcessorOptions {
  runtime: StepRuntime;
  /** The agents this worker serves, set up (`LoadedAgents`). */
  agents: { get(name: string): StartedAgent | undefined };
  logger: Logger;
  metrics?: StepMetrics;
  /** The attempts running here; shared with whoever asks for their traces (the queue). @defaultValue its own */
  running?: RunningAttempts;
  /** @defaultValue the global timers */
  timers?: Timers;
  /** Where the values of `$secrets` come from; without it a step that reads one fails (`SecretResolver`). */
  secrets?: SecretSource;
  /** A span per step execution, the child of its job's `traceparent`. @defaultValue `noopTracer` */
  tracer?: Tracer;
  /** This worker's id, recorded with each attempt's start (the step's `attemptLog`). */
  workerId?: string;
  /** How long an agent's `ctx.progress` text gathers before it becomes one `step.progress` event. @defaultValue 100 */
  progressIntervalMs?: number;
}

/** What one delivery of a job tells the processor: see `StepDelivery`; `executed` is told once the agent has finished (its slot is free). */
export type ProcessDelivery = Partial<Pick<StepDelivery, 'readyAt' | 'owned'>> & { executed?: () => void };

/**
 * Runs one step job: records the start, runs the agent under an AbortSignal (timeout and
 * cancellation), then records the result. The result's transaction enqueues what became ready.
 */
export class StepProcessor {
  private readonly running: RunningAttempts;
  private readonly tracer: Tracer;

  constructor(private readonly deps: StepProcessorOptions) {
    this.running = deps.running ?? new RunningAttempts();
    this.tracer = deps.tracer ?? noopTracer;
  }

  /** Aborts a running attempt on this worker, if it is here (cancellation arrives by pub/sub). */
  abort(target: { runId: string; key: string; attempt: number }): void {
    this.running.abort(target, new Error('cancelled'));
  }

  /** Aborts everything still running (shutdown past its grace period). */
  abortAll(): void {
    this.running.abortAll(new Error('worker shutting down'));
  }

  /**
   * @param delivery - when the job became ready, for `baton_step_queue_wait_seconds`; and whether
   * this delivery still owns the job, asked before the result is recorded (see `StepDelivery.owned`).
   */
  async process(job: StepJob, delivery?: ProcessDelivery): Promise<void> {
    // The agent runs inside the span: its outgoing HTTP calls, and the result's transaction, are its children.
    const span = this.tracer.startSpan('baton.step', {
      kind: 'consumer',
      traceparent: job.traceparent,
      attributes: { 'baton.run_id': job.runId, 'baton.step_key': job.key, 'baton.attempt': job.attempt, 'baton.agent': job.agent },
    });
    try {
      await this.tracer.withSpan(span, () => this.execute(job, span, delivery));
    } catch (err) {
      span.recordError(err);
      throw err;
    } finally {
      span.end();
    }
  }

  private async execute(job: StepJob, span: Span, delivery?: ProcessDelivery): Promise<void> {
    const { runtime, metrics } = this.deps;
    const { runId, key, attempt } = job;
    const startedAt = new Date();
    if (delivery?.readyAt !== undefined) metrics?.queueWait(job.agent, queueWaitSeconds(delivery.readyAt, startedAt.getTime()));
    // Traced, the span's own context; otherwise one made up in the job's trace, for the logs and the next jobs.
    const trace = span.traceparent ? parseTraceparent(span.traceparent) : attemptTrace(parseTraceparent(job.traceparent));
    const fields: Record<string, unknown> = { runId, stepKey: key, attempt, agent: job.agent };
    if (job.requestId) fields.requestId = job.requestId;
    if (trace) Object.assign(fields, { traceId: trace.traceId, spanId: trace.spanId });
    const logger = this.deps.logger.child(fields);
    // Not awaited: group commit keeps this process's events in order.
    const recordStart = () =>
      void runtime.apply(runId, { type: 'step.started', key, attempt, ...(this.deps.workerId ? { worker: this.deps.workerId } : {}) }, startedAt).catch((err) => logger.warn('recording start failed', { error: String(err) }));
    const timers = new AttemptTimers({ timeoutMs: job.timeoutMs, startDelayMs: START_RECORD_DELAY_MS, recordStart, timers: this.deps.timers });

    const served = this.deps.agents.get(job.agent);
    if (!served) {
      timers.finish();
      delivery?.executed?.();
      await runtime.apply(runId, unknownAgentEvent(job, job.agent));
      return;
    }
    const running: RunningAttempt = { runId, key, attempt, trace, abort: (reason) => timers.abort(reason) };
    this.running.add(running);
    let event: RunEvent | undefined;
    try {
      // Secrets' values exist from here to the masked outcome, in this attempt's memory only.
      const resolved = await resolveSecrets(job, await runtime.hydrate(job.input), this.deps.secrets);
      if ('refused' in resolved) {
        event = resolved.refused;
      } else {
        const { input, mask } = resolved;
        // Streamed text goes to history as the agent runs, masked and storable, before the result.
        const progress = new ProgressStream({
          intervalMs: this.deps.progressIntervalMs,
          timers: this.deps.timers,
          write: (text) => runtime.apply(runId, { type: 'step.progress', key, attempt, text: visible(maskText(text, mask)) }),
          onError: (err) => logger.warn('recording progress failed', { error: String(err) }),
        });
        const onProgress = (text: string) => progress.push(text);
        const executed = await executeAgent(served.agent, { ...job, input }, { signal: timers.signal, logger: maskingLogger(logger, mask), deps: served.deps, onProgress });
        await progress.close();
        const outcome = maskOutcome(executed, mask);
        metrics?.duration(job.agent, (Date.now() - startedAt.getTime()) / 1000);
        event = contextRefusal(job, outcome) ?? (await resultEvent(job, outcome, { timedOut: timers.timedOut, aborted: timers.signal.aborted }, (id, value) => runtime.offload(id, value)));
      }
    } catch (err) {
      // Loading the input or storing the output failed: the job fails, and the reconciler runs the attempt again.
      logger.error('running the step failed', { error: String(err) });
      throw err;
    } finally {
      timers.finish();
      delivery?.executed?.();
      // Still listed while the result is recorded: the jobs it enqueues continue this attempt's trace.
      if (!event) this.running.delete(running);
    }
    if (event && delivery?.owned && !(await within(delivery.owned(), OWNERSHIP_CHECK_MS, () => true))) {
      // This process lost the job's lock (paused, starved) and another delivery runs the attempt now: its result counts, not this one.
      this.running.delete(running);
      metrics?.finished(job.agent, 'fenced');
      logger.warn('result fenced out: another worker runs this attempt now', { outcome: event.type });
      return;
    }
    metrics?.finished(job.agent, stepStatus(event));
    if (!event) return;
    span.setAttributes({ 'baton.outcome': event.type });
    try {
      await runtime.apply(runId, event);
    } catch (err) {
      // The job fails: BullMQ keeps it as failed, and the reconciler runs the attempt again (up to BATON_MAX_REQUEUES).
      logger.error('recording the result failed', { event: event.type, error: String(err) });
      throw err;
    } finally {
      this.running.delete(running);
    }
    logger.debug('step finished', { outcome: event.type, durationMs: Date.now() - startedAt.getTime() });
  }
}
