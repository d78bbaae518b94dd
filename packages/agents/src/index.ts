export {
  defineAgent,
  type Agent,
  type AgentContext,
  type AgentDefinition,
  type AgentLogger,
  type AgentResult,
  type StepContext,
} from './agent';
export { Handoff } from './handoff';
export { NonRetryableError } from './non-retryable-error';
export { executeAgent, type AgentJob, type AgentOutcome, type ExecuteAgentOptions } from './execute-agent';
export { builtinAgents } from './builtin-agents';
export { echoAgent } from './builtins/echo';
export { delayAgent } from './builtins/delay';
export { failAgent } from './builtins/fail';
export { transformAgent } from './builtins/transform';
export { handoffAgent } from './builtins/handoff';
