import type { RunState } from './types';

export interface InitialRunOptions {
  id: string;
  input: unknown;
  /** 1..10, passed to every enqueued step. */
  priority: number;
  now: Date;
  /** The submitter's agent allow-list (`RunState.allowedAgents`); absent means every agent. */
  allowedAgents?: readonly string[];
}

/** A run as recorded before the engine has seen it: `queued`, with an empty context and no steps (`run.submitted` creates them). */
export function initialRun({ id, input, priority, now, allowedAgents }: InitialRunOptions): RunState {
  const state: RunState = { id, status: 'queued', input, context: {}, priority, createdAt: now.toISOString(), steps: {} };
  if (allowedAgents) state.allowedAgents = [...allowedAgents];
  return state;
}
