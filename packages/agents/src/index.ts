// The agent SDK, re-exported: code inside the monorepo may keep importing it from here. A project
// of its own depends on @baton/agent-sdk alone.
export {
  AGENT_NAME,
  AgentConfigError,
  Handoff,
  NonRetryableError,
  defineAgent,
  executeAgent,
  isAgent,
  startAgent,
  type Agent,
  type AgentContext,
  type AgentDefinition,
  type AgentJob,
  type AgentLogger,
  type AgentOutcome,
  type AgentResult,
  type AgentSetupContext,
  type AttemptUsage,
  type ExecuteAgentOptions,
  type StartedAgent,
  type StepContext,
  type TokenBudget,
  type TokenUsage,
} from '@baton/agent-sdk';
export { AgentCatalog, type StartAgentsOptions } from './agent-catalog';
export { LoadedAgents } from './loaded-agents';
export { AgentLoadError } from './agent-load-error';
export { agentsOfModule } from './agents-of-module';
export { loadAgentModule } from './load-agent-module';
export { builtinAgents } from './builtin-agents';
export { echoAgent } from './builtins/echo';
export { delayAgent } from './builtins/delay';
export { failAgent } from './builtins/fail';
export { transformAgent } from './builtins/transform/transform';
export { handoffAgent } from './builtins/handoff';
export { httpAgent } from './builtins/http/http';
export { a2aAgent } from './builtins/a2a/a2a';
export { filesAgent } from './builtins/files/files';
export { postgresAgent, postgresConnectionsSchema, type PostgresConnection } from './builtins/postgres/postgres';
export { publishAgent, publishExchangeSchema, publishUrlSchema } from './builtins/publish/publish';
// The api's events mirror publishes through the same confirmed RabbitMQ link as the publish agent.
export { RabbitMqBus } from './builtins/publish/rabbitmq-bus';
export type { BusMessage } from './builtins/publish/bus';
export { llmAgent, llmConfigSchema, type LlmConfig } from './builtins/llm/llm';
