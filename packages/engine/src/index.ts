export type {
  Command,
  Decision,
  EmittedEvent,
  RunEvent,
  RunState,
  RunStatus,
  StepError,
  StepState,
  StepStatus,
  TokenUsage,
} from './types';
export { FINAL_RUN_STATUSES, FINAL_STEP_STATUSES, isPayloadRef, type PayloadRef, type DecideOptions } from './types';
export { initialRun, type InitialRunOptions } from './initial-run';
export { DEFAULT_RUN_LIMITS, LIMIT_EXCEEDED, type RunLimits } from './run-limits';
export { decide } from './decide';
export { applyDecision, applyDecisionInPlace } from './apply-decision';
export { readableContext } from './scope';
