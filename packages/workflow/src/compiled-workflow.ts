import type { StepDefinition, WorkflowDefinition } from './definition';
import { compileTemplate, type CompiledTemplate, type ExpressionLimits, DEFAULT_LIMITS } from './template';

export interface CompiledStep {
  def: StepDefinition;
  /** Position in the definition. */
  index: number;
  input: CompiledTemplate;
  when?: CompiledTemplate;
  forEach?: CompiledTemplate;
  /** Ids of the steps that list this one in `needs`, in definition order. */
  dependants: string[];
}

/** A validated definition with every expression compiled once; what the engine decides over. */
export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  /** By step id, in definition order. */
  steps: ReadonlyMap<string, CompiledStep>;
  /** Ids of the steps nothing else needs: their outputs form the run's default output. */
  sinks: string[];
  output?: CompiledTemplate;
  /** `concurrency.key`: evaluated over `$input` at submission, it names the run's concurrency slot. */
  concurrencyKey?: CompiledTemplate;
}

/** A step's fields need every expression to give a value; the run's `output` may leave keys out. */
const REQUIRED = { required: true };

/**
 * Compiles a definition that `validate` accepted.
 * @throws ExpressionError when an expression does not parse (validate reports those first).
 */
export function compileWorkflow(definition: WorkflowDefinition, limits: ExpressionLimits = DEFAULT_LIMITS): CompiledWorkflow {
  const steps = new Map<string, CompiledStep>();
  definition.steps.forEach((def, index) => {
    const at = `steps[${index}]`;
    steps.set(def.id, {
      def,
      index,
      input: compileTemplate(def.input ?? {}, `${at}.input`, limits, REQUIRED),
      when: def.when === undefined ? undefined : compileTemplate(def.when, `${at}.when`, limits, REQUIRED),
      forEach: def.forEach === undefined ? undefined : compileTemplate(def.forEach, `${at}.forEach`, limits, REQUIRED),
      dependants: [],
    });
  });
  for (const def of definition.steps) {
    for (const need of def.needs) steps.get(need)?.dependants.push(def.id);
  }
  const sinks = definition.steps.filter((s) => steps.get(s.id)!.dependants.length === 0).map((s) => s.id);
  const output = definition.output === undefined ? undefined : compileTemplate(definition.output, 'output', limits);
  const key = definition.concurrency?.key;
  const concurrencyKey = key === undefined ? undefined : compileTemplate(key, 'concurrency.key', limits);
  return { definition, steps, sinks, output, ...(concurrencyKey ? { concurrencyKey } : {}) };
}
