import type { Agent } from '@baton/agent-sdk';
import { delayAgent } from './builtins/delay';
import { echoAgent } from './builtins/echo';
import { failAgent } from './builtins/fail';
import { handoffAgent } from './builtins/handoff';
import { postgresAgent } from './builtins/postgres/postgres';
import { transformAgent } from './builtins/transform/transform';

/**
 * The built-in agents (WORKFLOWS.md). Those that reach the outside world (`postgres`, …) start
 * with nothing configured too, and fail their steps until they are.
 */
export const builtinAgents: Agent[] = [echoAgent, delayAgent, failAgent, transformAgent, handoffAgent, postgresAgent];
