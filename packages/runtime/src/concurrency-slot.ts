import { BatonError } from '@baton/core';
import { ExpressionError, type CompiledWorkflow } from '@baton/workflow';

/** A run's concurrency slot: its key and limit, and its fair-share pool when the workflow declares `total`. */
export interface ConcurrencySlot {
  key: string;
  limit: number;
  /** Every tenant's runs of the workflow's name share `total` slots; waiting runs are admitted by weight. */
  pool?: { name: string; total: number; weight: number };
}

/**
 * The concurrency slot of a new run of `workflow`: `<workflow name>/<value of concurrency.key>`
 * over the run's input, with the workflow's limit; undefined when it declares no concurrency.
 * @throws BatonError VALIDATION_FAILED at `workflow.concurrency.key` when the key fails or yields nothing
 */
export async function concurrencySlot(workflow: CompiledWorkflow, tenant: string, runId: string, input: unknown): Promise<ConcurrencySlot | undefined> {
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
  const slot: ConcurrencySlot = { key: `${workflow.definition.name}/${text}`, limit: concurrency.limit };
  if (concurrency.total === undefined) return slot;
  // A key's weight wins over its tenant's; the rest weigh 1.
  const weights = concurrency.weights;
  const weight = Object.hasOwn(weights?.keys ?? {}, text) ? weights!.keys![text]! : Object.hasOwn(weights?.tenants ?? {}, tenant) ? weights!.tenants![tenant]! : 1;
  return { ...slot, pool: { name: workflow.definition.name, total: concurrency.total, weight } };
}
