import type { Problem } from './problem';
import { inspectTemplates } from './template';

const SECRETS_ONLY_IN_INPUT = '$secrets is only available in a step input';

type Rule = 'input' | 'when' | 'forEach' | 'output';

/**
 * Every expression of a definition, checked in one batch: each must parse; `when` and `forEach`
 * must be exactly one `{{ … }}`; `$secrets` (resolved only on the worker) only in a step's input.
 * `steps[i]` is undefined for an entry that is not an object; fields of the wrong type are left
 * to the schema.
 */
export function expressionProblems(steps: readonly (Record<string, unknown> | undefined)[], output: unknown): Problem[] {
  const fields: { value: unknown; field: string; rule: Rule }[] = [];
  steps.forEach((step, i) => {
    if (step === undefined) return;
    fields.push({ value: step.input, field: `steps[${i}].input`, rule: 'input' });
    for (const rule of ['when', 'forEach'] as const) {
      if (typeof step[rule] === 'string') fields.push({ value: step[rule], field: `steps[${i}].${rule}`, rule });
    }
  });
  fields.push({ value: output, field: 'output', rule: 'output' });

  const reports = inspectTemplates(fields);
  return fields.flatMap(({ field, rule }, i): Problem[] => {
    const report = reports[i]!;
    if (report.problems.length > 0 || rule === 'input') return report.problems;
    if (report.secrets.length > 0) return report.secrets.map((path) => ({ path, message: SECRETS_ONLY_IN_INPUT }));
    if (rule !== 'output' && !report.expression) return [{ path: field, message: `${rule} needs an expression` }];
    return [];
  });
}
