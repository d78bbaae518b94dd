import type { Logger } from '@baton/core';
import type { RunLimits } from '@baton/engine';
import type { RunEventMark } from '@baton/queue';
import { validate, type WorkflowDefinition } from '@baton/workflow';
import { MemoryRunStore } from './memory-run-store.test-helper';
import type { QueuedJob } from './queued-job';
import { Runtime } from './runtime';
import type { StepDispatcher } from './step-dispatcher';

/** A dispatcher that records what the runtime hands it; `failing` makes the next calls reject. */
export class RecordingDispatcher implements StepDispatcher {
  readonly enqueued: QueuedJob[] = [];
  readonly cancelled: Array<{ runId: string; key: string; attempt: number; agent: string | null }> = [];
  /** Each announcement: one per committed batch. */
  readonly announced: RunEventMark[][] = [];
  failing = false;

  async enqueue(jobs: QueuedJob[]): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.enqueued.push(...jobs);
  }

  async cancel(targets: Array<{ runId: string; key: string; attempt: number; agent: string | null }>): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.cancelled.push(...targets);
  }

  readonly withdrawn: Array<{ runId: string; key: string; attempt: number; agent: string }> = [];

  async withdraw(targets: Array<{ runId: string; key: string; attempt: number; agent: string }>): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.withdrawn.push(...targets);
  }

  async announce(marks: RunEventMark[]): Promise<void> {
    if (this.failing) throw new Error('redis is down');
    this.announced.push(marks);
  }

  /** The jobs enqueued for one run, as `key#attempt`. */
  keys(runId: string): string[] {
    return this.enqueued.filter((j) => j.job.runId === runId).map((j) => `${j.job.key}#${j.job.attempt}`);
  }
}

/** A logger that keeps its lines. */
export function recordingLogger(): Logger & { lines: Array<[string, string, Record<string, unknown> | undefined]> } {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const logger = {
    lines,
    debug: (m: string, meta?: Record<string, unknown>) => void lines.push(['debug', m, meta]),
    info: (m: string, meta?: Record<string, unknown>) => void lines.push(['info', m, meta]),
    warn: (m: string, meta?: Record<string, unknown>) => void lines.push(['warn', m, meta]),
    error: (m: string, meta?: Record<string, unknown>) => void lines.push(['error', m, meta]),
    child: () => logger,
  };
  return logger;
}

/** A valid definition, or the test fails here. */
export function workflowOf(definition: unknown): WorkflowDefinition {
  const result = validate(definition);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.workflow;
}

/** `s0 → s1 → … ` of `length` echo steps. */
export const chain = (name: string, length: number): WorkflowDefinition =>
  workflowOf({ name, steps: Array.from({ length }, (_, i) => ({ id: `s${i}`, agent: 'echo', ...(i > 0 ? { needs: [`s${i - 1}`] } : {}), input: { i } })) });

export interface RuntimeFixtureOptions {
  payloadThresholdBytes?: number;
  limits?: Partial<RunLimits>;
  store?: MemoryRunStore;
}

/** A runtime on an in-memory store, as one process has it, with everything it told the outside world. */
export function runtimeFixture(options: RuntimeFixtureOptions = {}) {
  const store = options.store ?? new MemoryRunStore();
  const dispatcher = new RecordingDispatcher();
  const logger = recordingLogger();
  const finished: Array<{ runId: string; tenant: string; status: string }> = [];
  const runtime = new Runtime({
    store, dispatcher, logger, payloadThresholdBytes: options.payloadThresholdBytes, limits: options.limits,
    onRunFinished: (run) => finished.push(run),
  });
  const queries = store.queries();
  /** The run as a client of `tenant` reads it, with its entries by key. */
  const read = async (id: string, tenant = 't') => {
    const run = await queries.run(tenant, id);
    const steps = new Map((await queries.steps(tenant, id)).map((s) => [s.key, s]));
    return { run, steps };
  };
  return { store, queries, dispatcher, logger, finished, runtime, read };
}
