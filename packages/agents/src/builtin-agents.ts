import type { Agent } from '@baton/agent-sdk';
import { delayAgent } from './builtins/delay';
import { echoAgent } from './builtins/echo';
import { failAgent } from './builtins/fail';
import { handoffAgent } from './builtins/handoff';
import { transformAgent } from './builtins/transform/transform';

/** The built-in agents that need nothing configured (WORKFLOWS.md). */
export const builtinAgents: Agent[] = [echoAgent, delayAgent, failAgent, transformAgent, handoffAgent];
