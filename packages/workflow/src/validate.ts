import { compileWorkflow, type CompiledWorkflow } from './compiled-workflow';
import { concurrencyProblems } from './concurrency-problems';
import { workflowSchema, type WorkflowDefinition } from './definition';
import { expressionProblems } from './expression-problems';
import { graphProblems } from './graph-problems';
import { inputSchemaError } from './input-schema';
import type { Problem } from './problem';
import { scheduleProblems } from './schedule-problems';
import { stepProblems } from './step-problems';
import type { ValidateOptions } from './validate-options';
import { zodProblems } from './zod-problems';

export type ValidationResult =
  | { ok: true; workflow: WorkflowDefinition; compiled: CompiledWorkflow }
  | { ok: false; problems: Problem[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed definition against the workflow language and reports every problem at once:
 * schema issues, then the rules of each step, the expressions, the `needs` graph and the input schema.
 * Rules past the schema are checked even when the schema fails, on whatever parts have the right
 * shape, so one answer lists everything to fix. On success the result carries the definition with
 * defaults applied and its compiled form.
 */
export function validate(definition: unknown, options: ValidateOptions = {}): ValidationResult {
  const parsed = workflowSchema.safeParse(definition);
  const problems = isRecord(definition) ? ruleProblems(definition, options) : [];
  if (!parsed.success) return { ok: false, problems: [...zodProblems(parsed.error), ...problems] };
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, workflow: parsed.data, compiled: compileWorkflow(parsed.data, options.limits) };
}

function ruleProblems(definition: Record<string, unknown>, options: ValidateOptions): Problem[] {
  const steps = (Array.isArray(definition.steps) ? (definition.steps as unknown[]) : []).map((s) => (isRecord(s) ? s : undefined));
  const problems = steps.flatMap((step, i) => (step === undefined ? [] : stepProblems(step, `steps[${i}]`, options)));
  problems.push(...expressionProblems(steps, definition.output));
  problems.push(...concurrencyProblems(definition.concurrency));
  problems.push(
    ...graphProblems(
      steps.map((step) => (typeof step?.id === 'string' ? step.id : undefined)),
      steps.map((step) => step?.needs),
    ),
  );
  problems.push(...scheduleProblems(definition.schedule));
  if (isRecord(definition.input)) {
    const error = inputSchemaError(definition.input);
    if (error !== undefined) problems.push({ path: 'input', message: `not a valid JSON Schema: ${error}` });
  }
  return problems;
}
