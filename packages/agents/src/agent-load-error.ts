/**
 * A worker cannot serve its agents: a module that cannot be found, loaded or read, an export
 * that is not an agent, two agents of one name, an unknown agent name, a config the agent refuses,
 * or a setup that failed. The message names the module, the export or the agent; the worker
 * prints it and stops at start-up.
 */
export class AgentLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentLoadError';
  }
}
