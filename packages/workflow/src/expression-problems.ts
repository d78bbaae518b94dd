import type { Problem } from './problem';
import { referenceProblems, type ExpressionSite } from './reference-problems';
import { inspectTemplates, type TemplateReport } from './template';

const SECRETS_ONLY_IN_INPUT = '$secrets is only available in a step input';

type Rule = 'input' | 'when' | 'forEach' | 'output';

/**
 * Every expression of a definition, checked in one batch: each must parse; `when` and `forEach`
 * must be exactly one `{{ … }}`; `$secrets` (resolved only on the worker) only in a step's input.
 * `steps[i]` is undefined for an entry that is not an object; fields of the wrong type are left
 * to the schema. Then the `$steps` references of those that parse (see `referenceProblems`).
 */
export function expressionProblems(steps: readonly (Record<string, unknown> | undefined)[], output: unknown): Problem[] {
  const fields: { value: unknown; field: string; rule: Rule; step?: number }[] = [];
  steps.forEach((step, i) => {
    if (step === undefined) return;
    fields.push({ value: step.input, field: `steps[${i}].input`, rule: 'input', step: i });
    for (const rule of ['when', 'forEach'] as const) {
      if (typeof step[rule] === 'string') fields.push({ value: step[rule], field: `steps[${i}].${rule}`, rule, step: i });
    }
  });
  fields.push({ value: output, field: 'output', rule: 'output' });

  const reports = inspectTemplates(fields);
  const sites = fields.flatMap(({ step }, i) => reports[i]!.expressions.map((e): ExpressionSite => ({ ...e, step })));
  const ids = steps.map((step) => (typeof step?.id === 'string' ? step.id : undefined));
  return [...fieldProblems(fields, reports), ...referenceProblems(sites, ids, steps.map((step) => step?.needs))];
}

function fieldProblems(fields: { field: string; rule: Rule }[], reports: TemplateReport[]): Problem[] {
  return fields.flatMap(({ field, rule }, i): Problem[] => {
    const report = reports[i]!;
    if (report.problems.length > 0 || rule === 'input') return report.problems;
    if (report.secrets.length > 0) return report.secrets.map((path) => ({ path, message: SECRETS_ONLY_IN_INPUT }));
    if (rule !== 'output' && !report.expression) return [{ path: field, message: `${rule} needs an expression` }];
    return [];
  });
}
