import type { CompiledWorkflow } from '@baton/workflow';
import { propagate } from './propagate';
import { RunDraft } from './run-draft';
import { DEFAULT_RUN_LIMITS } from './run-limits';
import { cancelRun, rerunRun, retryRun, submitRun } from './run-lifecycle';
import { pauseRun, resumeRun } from './run-pause';
import { signalReceived } from './signals';
import { stepFailed, stepProgress, stepStarted, stepSucceeded, stepTimedOut } from './step-results';
import { FINAL_RUN_STATUSES, type Decision, type DecideOptions, type RunEvent, type RunState } from './types';

/**
 * Decides what `event` does to a run: the run fields that changed, the step entries that are new
 * or changed (whole), and the commands for the runtime to carry out after it has stored them.
 * `state` is not touched, and the same arguments always give the same decision. An event that
 * changes nothing (a repeat, a stale attempt, anything on a finished run but a retry of a failed
 * one or a re-run) gives an empty decision.
 * @throws whatever a template throws that is not an `ExpressionError` (a bug, not a run's failure).
 */
export async function decide(workflow: CompiledWorkflow, state: RunState, event: RunEvent, now: Date, options: DecideOptions = {}): Promise<Decision> {
  const draft = new RunDraft(workflow, state, now, options.payloads, { ...DEFAULT_RUN_LIMITS, ...options.limits });
  if (FINAL_RUN_STATUSES.has(state.status) && event.type !== 'run.retried' && event.type !== 'run.rerun') return draft.decision();
  switch (event.type) {
    case 'run.submitted':
      submitRun(draft, event);
      break;
    case 'step.started':
      stepStarted(draft, event);
      break;
    case 'step.succeeded':
      stepSucceeded(draft, event);
      break;
    case 'step.failed':
      stepFailed(draft, event);
      break;
    case 'step.timedOut':
      stepTimedOut(draft, event);
      break;
    case 'step.progress':
      stepProgress(draft, event);
      return draft.decision();
    case 'signal.received':
      signalReceived(draft, event);
      break;
    case 'run.cancelled':
      cancelRun(draft, event.reason);
      return draft.decision();
    case 'run.retried':
      retryRun(draft);
      break;
    case 'run.rerun':
      rerunRun(draft, event);
      break;
    case 'run.paused':
      pauseRun(draft, event.by);
      break;
    case 'run.resumed':
      resumeRun(draft, event.by);
      break;
  }
  await propagate(draft);
  return draft.decision();
}
