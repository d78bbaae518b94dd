import { BatonError } from '@baton/core';
import {
  BoundedCache, ENGINE_AGENTS, parseWorkflow, validate, validateInput, withInputDefaults, type CompiledWorkflow, type ParseOptions, type ParseResult, type Problem, type WorkflowDefinition,
} from '@baton/workflow';
import { definitionHash } from '../workflow-cache';
import type { AgentDirectory } from './agent-directory';
import { MAX_DEPTH, nestedDeeperThan } from './nested-deeper-than';

/**
 * Reads a definition sent as JSON or YAML text. `parseWorkflow` of `@baton/workflow` by default;
 * the api passes one that reads YAML on a worker thread, so a large document does not hold its event loop.
 */
export type DefinitionReader = (source: string, options: ParseOptions) => Promise<ParseResult> | ParseResult;

/** The configured limits a definition and an input are checked against; the language's defaults where absent. */
export interface CheckLimits {
  /** `BATON_MAX_YAML_NODES`: nodes of a YAML definition once its aliases are expanded. */
  maxYamlNodes?: number;
  /** `BATON_MAX_INPUT_ARRAY_ITEMS`: items of any one array in a run's input. */
  maxInputArrayItems?: number;
  /** `BATON_MAX_IDEMPOTENCY_KEY_LENGTH`: characters of an `Idempotency-Key`. @defaultValue 200 */
  maxIdempotencyKeyLength?: number;
}

/** What checking a definition needs: the agents workers registered, and how to read text. */
export interface CheckDeps {
  agents: Pick<AgentDirectory, 'known'>;
  /** @defaultValue `parseWorkflow` of `@baton/workflow`, on the caller's thread */
  readDefinition?: DefinitionReader;
  limits?: CheckLimits;
}

export interface CheckedWorkflow {
  workflow: WorkflowDefinition;
  compiled: CompiledWorkflow;
  /** The definition's hash, for the runtime's compiled-workflow cache. */
  hash: string;
  /** The agents it names that workers serve (not the engine's own, `wait`), checked again on a cache hit. */
  agents: string[];
}

/** `steps[2]` → `workflow.steps[2]`: a problem's place in the request. */
const underWorkflow = (path: string): string => (path === '' || path === '/' ? 'workflow' : path.startsWith('[') ? `workflow${path}` : `workflow.${path}`);
const invalid = (problems: Problem[]) =>
  new BatonError('VALIDATION_FAILED', 'the workflow is not valid', problems.map((p) => ({ path: underWorkflow(p.path), message: p.message })));

const valid = new BoundedCache<CheckedWorkflow>(500);

/**
 * Validates a submitted definition (an object, or JSON or YAML text) against the language and the
 * agents some worker registered. Clients submit the same definitions again and again: each is
 * validated and compiled once (by its text), and only the agents it names are checked again.
 * @throws BatonError VALIDATION_FAILED with every problem, paths under `workflow`
 * @throws BatonError UNAVAILABLE when the registered agents cannot be read
 */
export async function checkWorkflow(workflow: unknown, deps: CheckDeps): Promise<CheckedWorkflow> {
  const knownAgents = await deps.agents.known();
  if (typeof workflow === 'string') {
    const read = deps.readDefinition ?? parseWorkflow;
    const parsed = await read(workflow, { maxYamlNodes: deps.limits?.maxYamlNodes });
    if (!parsed.ok) throw invalid(parsed.problems);
    workflow = parsed.definition;
    if (nestedDeeperThan(workflow, MAX_DEPTH)) throw invalid([{ path: '', message: `nested deeper than ${MAX_DEPTH} levels` }]);
  }
  const text = JSON.stringify(workflow);
  const hit = valid.get(text);
  if (hit && hit.agents.every((a) => knownAgents.has(a))) return hit;
  // The templates of `workflow:` steps are the tenant's: checked by the caller (checkSubWorkflows), not here.
  const result = validate(workflow, { knownAgents });
  if (!result.ok) throw invalid(result.problems);
  const checked = {
    workflow: result.workflow,
    compiled: result.compiled,
    hash: definitionHash(result.workflow),
    // Those the engine runs itself (`wait`) are neither registered by workers nor held to an allow-list.
    agents: [...new Set(result.workflow.steps.flatMap((s) => [...(s.agent ? [s.agent] : []), ...(s.handoffs ?? [])]))].filter((a) => !ENGINE_AGENTS.has(a)),
  };
  valid.set(text, checked);
  return checked;
}

/**
 * Validates a run's input against the workflow's `input` JSON Schema, when it has one, and answers
 * it with the schema's `default`s filled in (a copy; what the run records).
 * @throws BatonError VALIDATION_FAILED with every problem (paths rooted at `input`)
 */
export function checkInput(workflow: WorkflowDefinition, input: unknown, limits: CheckLimits = {}): unknown {
  const problems = validateInput(workflow.input, input, { maxArrayItems: limits.maxInputArrayItems });
  if (problems.length > 0) {
    throw new BatonError('VALIDATION_FAILED', 'the input does not match the workflow\'s input schema', problems);
  }
  return withInputDefaults(workflow.input, input);
}
