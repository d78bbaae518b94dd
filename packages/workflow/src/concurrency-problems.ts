import type { Problem } from './problem';
import { inspectTemplates } from './template';

/**
 * The rules of a workflow's `concurrency.key` the schema cannot state: its expressions parse, and it
 * reads no `$secrets` (it is evaluated by the api, and its value is stored); `weights` need a `total`.
 */
export function concurrencyProblems(concurrency: unknown): Problem[] {
  if (typeof concurrency !== 'object' || concurrency === null) return [];
  const { key, weights, total } = concurrency as Record<string, unknown>;
  // Weights share a pool among keys and tenants: without `total` nothing is shared.
  if (weights !== undefined && total === undefined) return [{ path: 'concurrency.weights', message: 'weights apply only with total' }];
  if (typeof key !== 'string') return [];
  const [report] = inspectTemplates([{ value: key, field: 'concurrency.key' }]);
  if (report!.problems.length > 0) return report!.problems;
  return report!.secrets.map((path) => ({ path, message: '$secrets is only available in a step input' }));
}
