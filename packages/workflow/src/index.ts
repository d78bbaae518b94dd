export {
  AGENT_NAME,
  DEFAULT_MAX_HANDOFFS,
  MAX_STEPS,
  RESERVED_STEP_IDS,
  STEP_ID,
  WORKFLOW_NAME,
  EVENT_TYPE,
  scheduleSchema,
  stepSchema,
  workflowSchema,
  type ScheduleDefinition,
  type StepDefinition,
  type WorkflowDefinition,
  type WorkflowInput,
} from './definition';
export {
  DEFAULT_LIMITS,
  compileTemplate,
  type CompileOptions,
  type CompiledTemplate,
  type EvaluateOptions,
  type ExpressionLimits,
  type Scope,
} from './template';
export { ExpressionError, LimitExceededError } from './expression-error';
export { ByteBudget, RUN_BYTES_LIMIT, jsonBytes } from './byte-budget';
export { LINEAR_REGEX_ENGINE, LinearRegExp, UnsupportedRegExpError } from './linear-regexp';
export { compileWorkflow, type CompiledStep, type CompiledWorkflow } from './compiled-workflow';
export { DEFAULT_MAX_YAML_NODES, parseWorkflow, type ParseOptions, type ParseResult } from './parse';
export { validate, type ValidationResult } from './validate';
export type { ValidateOptions } from './validate-options';
export { DEFAULT_MAX_INPUT_ARRAY_ITEMS, validateInput, withInputDefaults, type InputLimits } from './input-schema';
export type { Problem } from './problem';
export { BoundedCache } from './bounded-cache';
export { unstorableJson, unstorableStrings } from './storable-text';
export { SECRET_NAME, replaceSecretMarkers, secretMarker, secretMarkersIn } from './secret-marker';
export { ENGINE_AGENTS, MAX_WAIT_MS, SIGNAL_NAME, WAIT_AGENT, literalSignal, parseWaitInput, type WaitInput } from './wait-step';
