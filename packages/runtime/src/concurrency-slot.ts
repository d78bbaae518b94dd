import { BatonError } from '@baton/core';
import { ExpressionError, type CompiledWorkflow } from '@baton/workflow';

/**
 * The concurrency slot of a new run of `workflow`: `<workflow name>/<value of concurrency.key>`
 * over the run's input, with the workflow's limit; undefined when it declares no concurrency.
 * @throws BatonError VALIDATION_FAILED at `workflow.concurrency.key` when the key fails or yields nothing
 */
export async function concurrencySlot(workflow: CompiledWorkflow, runId: string, input: unknown): Promise<{ key: string; limit: number } | undefined> {
  const { concurrency } = workflow.definition;
  if (!concurrency || !workflow.concurrencyKey) return undefined;
  let value: unknown;
  try {
    value = await workflow.concurrencyKey.evaluate({ input, run: { id: runId } });
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    throw new BatonError('VALIDATION_FAILED', 'the concurrency key could not be evaluated', [{ path: 'workflow.concurrency.key', message: err.message }]);
  }
  if (value === undefined || value === null || value === '') {
    throw new BatonError('VALIDATION_FAILED', 'the concurrency key is empty for this input', [
      { path: 'workflow.concurrency.key', message: `evaluates to ${value === '' ? 'an empty string' : 'nothing'} for this input` },
    ]);
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { key: `${workflow.definition.name}/${text}`, limit: concurrency.limit };
}
