import type { Agent, AgentSetupContext } from './agent';
import { describeIssues } from './describe-issues';

/** An agent whose `setup` has run: what `executeAgent` needs as `deps`, and its `close`. */
export interface StartedAgent<D = unknown> {
  readonly agent: Agent<unknown, unknown, D>;
  /** What `setup` returned; undefined without one. */
  readonly deps: D;
  /** Calls the agent's `close` with `deps` once; later calls return the same promise. */
  close(): Promise<void>;
}

/** A config the agent's `config` schema refused. */
export class AgentConfigError extends Error {
  constructor(
    readonly agent: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/**
 * Parses the agent's config with its `config` schema and runs its `setup`: what a worker does once
 * per agent before it takes a job. Tests call it too, to get the `deps` to pass to `executeAgent`.
 * @param config - the agent's entry of `BATON_AGENT_CONFIG`; `{}` when it has none, so that the
 *   schema's defaults apply.
 * @throws AgentConfigError when the schema refuses the config; what `setup` threw, as it is.
 */
export async function startAgent<I, O, D>(agent: Agent<I, O, D>, config: unknown = {}, ctx: AgentSetupContext): Promise<StartedAgent<D>> {
  let value = config;
  if (agent.config) {
    const parsed = agent.config.safeParse(config);
    if (!parsed.success) throw new AgentConfigError(agent.name, `invalid config for agent "${agent.name}": ${describeIssues(parsed.error.issues, '(config)')}`);
    value = parsed.data;
  }
  const deps = (agent.setup ? await agent.setup(value, ctx) : undefined) as D;
  let closing: Promise<void> | undefined;
  return {
    agent: agent as Agent<unknown, unknown, D>,
    deps,
    close: () => (closing ??= Promise.resolve().then(() => agent.close?.(deps))),
  };
}
