export {
  AGENT_NAME,
  DEFAULT_MAX_HANDOFFS,
  MAX_STEPS,
  RESERVED_STEP_IDS,
  STEP_ID,
  WORKFLOW_NAME,
  stepSchema,
  workflowSchema,
  type StepDefinition,
  type WorkflowDefinition,
  type WorkflowInput,
} from './definition';
export {
  DEFAULT_LIMITS,
  ExpressionError,
  compileTemplate,
  type CompiledTemplate,
  type ExpressionLimits,
  type Scope,
} from './template';
export { compileWorkflow, type CompiledStep, type CompiledWorkflow } from './compiled-workflow';
export { parseWorkflow, type ParseResult } from './parse';
export { validate, type ValidationResult } from './validate';
export type { ValidateOptions } from './validate-options';
export { validateInput } from './input-schema';
export type { Problem } from './problem';
export { BoundedCache } from './bounded-cache';
export { unstorableJson, unstorableStrings } from './storable-text';
