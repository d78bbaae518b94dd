import { DEFAULT_MAX_HANDOFFS, WAIT_AGENT, type WaitInput } from '@baton/workflow';
import { applyContextWrites } from './context-access';
import { hopKey } from './hop-key';
import type { RunDraft } from './run-draft';
import { cancel, dispatch, fail, succeed } from './step-outcomes';
import type { StepState } from './types';

export interface Handoff {
  to: string;
  input?: unknown;
  reason?: string;
}

/**
 * Ends `entry`'s attempt by handing the step off to `handoff.to`: the next hop is its own entry,
 * and the root entry (the step's, or a forEach child's) waits, `running`, for the chain to end.
 */
export function handOff(draft: RunDraft, entry: StepState, handoff: Handoff, writes: Record<string, unknown>): void {
  const { def } = draft.step(entry.stepId);
  const hop = (entry.hop ?? 0) + 1;
  const allowed = def.handoffs ?? [];
  const max = def.maxHandoffs ?? DEFAULT_MAX_HANDOFFS;
  if (!allowed.includes(handoff.to)) {
    const message = `step ${entry.key}: hand-off to ${handoff.to} is not allowed (handoffs: [${allowed.join(', ')}])`;
    fail(draft, entry, { code: 'HANDOFF', message });
    return;
  }
  const permitted = draft.run('allowedAgents');
  if (permitted && !permitted.includes(handoff.to)) {
    const message = `step ${entry.key}: hand-off to ${handoff.to} is refused: the run's submitter may use only [${permitted.join(', ')}]`;
    fail(draft, entry, { code: 'HANDOFF', message });
    return;
  }
  if (hop > max) {
    fail(draft, entry, { code: 'HANDOFF', message: `step ${entry.key}: a hand-off chain is at most ${max} long` });
    return;
  }
  applyContextWrites(draft, entry, writes);
  const record = handoff.reason === undefined ? { to: handoff.to } : { to: handoff.to, reason: handoff.reason };
  let rootKey: string;
  if (entry.hop === undefined) {
    rootKey = entry.key;
    const { deadlineAt: _deadlineAt, ...waiting } = entry;
    draft.put({ ...waiting, status: 'running', handoff: record });
  } else {
    rootKey = entry.parentKey!;
    draft.put({ ...entry, status: 'succeeded', handoff: record, finishedAt: draft.nowIso });
  }
  draft.emit('step.handoff', entry.key, { from: entry.agent, ...record, hop });
  dispatchHop(draft, entry.stepId, rootKey, hop, handoff.to, handoff.input);
}

function dispatchHop(draft: RunDraft, stepId: string, rootKey: string, hop: number, agent: string, input: unknown): void {
  const key = hopKey(rootKey, hop);
  // A restarted chain's hop goes on from the attempts of the hop it replaces, with a fresh budget.
  const attempt = draft.get(key)?.attempt ?? 0;
  const prior = attempt > 0 ? { priorAttempts: attempt } : {};
  dispatch(draft, { key, stepId, agent, status: 'pending', attempt, ...prior, parentKey: rootKey, hop }, input, 0);
}

/**
 * The last hop ended: the root entry ends with it, with its output or its error. A `wait` hop that
 * an agent handed off to with `state` hands the step back to that agent instead, once signalled.
 */
export function hopSettled(draft: RunDraft, hop: StepState): void {
  const root = draft.entry(hop.parentKey!);
  if (hop.status === 'succeeded' && hop.agent === WAIT_AGENT && (hop.input as WaitInput).state !== undefined) handBack(draft, root, hop);
  else if (hop.status === 'succeeded') succeed(draft, root, hop.output);
  else fail(draft, root, hop.error!);
}

/**
 * The next hop runs the agent that handed off to `wait`, on the input that agent had, with
 * `resume: { signal, payload, state }` in place of any earlier one: an agent waits for input
 * (an `a2a` step whose remote agent asks for it) without holding a worker.
 */
function handBack(draft: RunDraft, root: StepState, wait: StepState): void {
  const { signal, state } = wait.input as WaitInput;
  const caller = wait.hop === 1 ? root : draft.entry(hopKey(root.key, wait.hop! - 1));
  const input = { ...(caller.input as Record<string, unknown>), resume: { signal, payload: wait.output, state } };
  dispatchHop(draft, root.stepId, root.key, wait.hop! + 1, caller.agent!, input);
}

/** Cancels an entry and, for a root waiting on its chain, the hop that holds the work. */
export function cancelWithChain(draft: RunDraft, entry: StepState, reason: string): void {
  if (entry.handoff !== undefined) {
    for (let n = 1; ; n++) {
      const hop = draft.entry(hopKey(entry.key, n));
      if (hop.status !== 'succeeded') {
        cancel(draft, hop, reason);
        break;
      }
    }
  }
  cancel(draft, entry, reason);
}
