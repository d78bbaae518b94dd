export {
  defineAgent,
  isAgent,
  type Agent,
  type AgentContext,
  type AgentDefinition,
  type AgentLogger,
  type AgentLogMeta,
  type AgentResult,
  type AgentSetupContext,
  type StepContext,
  type TokenBudget,
  type TokenUsage,
} from './agent';
export { AGENT_NAME } from './agent-name';
export { Handoff } from './handoff';
export { NonRetryableError, AGENT_ERROR, STEP_ERROR_CODE } from './non-retryable-error';
export { executeAgent, type AgentJob, type AgentOutcome, type AttemptUsage, type ExecuteAgentOptions } from './execute-agent';
export { startAgent, AgentConfigError, type StartedAgent } from './start-agent';
