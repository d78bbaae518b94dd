/**
 * What an agent's name looks like; its queue is `agent.<name>`. The same pattern as
 * `@baton/workflow`'s `AGENT_NAME` (a test in `@baton/agents` holds them equal): the SDK repeats
 * it so that it depends on nothing.
 */
export const AGENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
