import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { AgentDirectory } from './agent-directory';

/** Why and by whom an agent is paused. `by` is a principal's subject, or `auto` for the failure-rate trip. */
export interface AgentPause {
  by: string;
  reason?: string;
  at: Date;
}

/** Where agent pauses are recorded: `KyselyAgentPauses` of `@baton/db`. */
export interface AgentPauseRecords {
  /** Records the pause; false when the agent was paused already (the first record stays). */
  put(name: string, pause: AgentPause): Promise<boolean>;
  /** Removes it; false when there was none. */
  remove(name: string): Promise<boolean>;
  all(): Promise<Map<string, AgentPause>>;
}

/** The queues' side of an agent pause: `BullmqStepQueue` (BullMQ's queue pause, fleet-wide). */
export interface AgentQueuePause {
  pauseAgent(name: string): Promise<void>;
  resumeAgent(name: string): Promise<void>;
}

/**
 * Pauses and resumes agents fleet-wide: the agent's queue is paused (no worker takes a new job of
 * it; running ones finish) and the pause recorded, for `GET /v1/agents` and history. Shared by the
 * api's routes and the worker's auto-pause.
 */
export class AgentPauses {
  constructor(private readonly deps: { records: AgentPauseRecords; queue: AgentQueuePause }) {}

  /** Answers false when it was paused already (its queue is paused again all the same: a flushed Redis forgot). */
  async pause(name: string, pause: AgentPause): Promise<boolean> {
    await this.deps.queue.pauseAgent(name);
    return this.deps.records.put(name, pause);
  }

  /** Answers false when it was not paused. */
  async resume(name: string): Promise<boolean> {
    await this.deps.queue.resumeAgent(name);
    return this.deps.records.remove(name);
  }

  paused(): Promise<Map<string, AgentPause>> {
    return this.deps.records.all();
  }
}

export interface AgentPauseDeps {
  agentPauses?: AgentPauses;
  agents: Pick<AgentDirectory, 'known'>;
}

async function pausesFor(deps: AgentPauseDeps, name: string): Promise<AgentPauses> {
  if (!deps.agentPauses) throw new BatonError('NOT_CONFIGURED', 'agents cannot be paused on this deployment');
  if (!(await deps.agents.known()).has(name)) throw new BatonError('AGENT_NOT_FOUND', `agent ${name.slice(0, 100)} not found`);
  return deps.agentPauses;
}

/**
 * Pauses an agent for the whole fleet (every tenant's steps of it wait): admins only. Idempotent.
 * @throws BatonError FORBIDDEN, AGENT_NOT_FOUND, NOT_CONFIGURED
 */
export async function pauseAgent(deps: AgentPauseDeps, principal: Principal, { name }: { name: string }): Promise<{ name: string; paused: true }> {
  authorize(principal, 'admin.manage');
  await (await pausesFor(deps, name)).pause(name, { by: principal.subject, reason: 'paused by hand', at: new Date() });
  return { name, paused: true };
}

/**
 * Resumes an agent, paused by hand or by the auto-pause. Idempotent.
 * @throws BatonError FORBIDDEN, AGENT_NOT_FOUND, NOT_CONFIGURED
 */
export async function resumeAgent(deps: AgentPauseDeps, principal: Principal, { name }: { name: string }): Promise<{ name: string; paused: false }> {
  authorize(principal, 'admin.manage');
  await (await pausesFor(deps, name)).resume(name);
  return { name, paused: false };
}
