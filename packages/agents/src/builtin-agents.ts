import type { Agent } from '@baton/agent-sdk';
import { a2aAgent } from './builtins/a2a/a2a';
import { delayAgent } from './builtins/delay';
import { echoAgent } from './builtins/echo';
import { failAgent } from './builtins/fail';
import { filesAgent } from './builtins/files/files';
import { handoffAgent } from './builtins/handoff';
import { httpAgent } from './builtins/http/http';
import { llmAgent } from './builtins/llm/llm';
import { postgresAgent } from './builtins/postgres/postgres';
import { publishAgent } from './builtins/publish/publish';
import { transformAgent } from './builtins/transform/transform';

/**
 * The built-in agents (WORKFLOWS.md). Those that reach the outside world start with nothing
 * configured too: `http` and `a2a` then reach public addresses only, `postgres` and `files` fail their steps, `publish` and `llm` too.
 */
export const builtinAgents: Agent[] = [echoAgent, delayAgent, failAgent, transformAgent, handoffAgent, httpAgent, postgresAgent, filesAgent, publishAgent, llmAgent, a2aAgent];
