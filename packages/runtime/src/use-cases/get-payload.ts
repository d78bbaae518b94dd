import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { hydrateWithin } from './hydrate-within';
import { isUuid } from './run-cursor';
import type { UseCaseDeps } from './use-case-deps';

/** A 404 for a payload that does not exist, is not a UUID or belongs to another tenant's run: all look alike. */
const payloadNotFound = (id: string) => new BatonError('PAYLOAD_NOT_FOUND', `payload ${id.slice(0, 100)} not found`);

/**
 * One stored value of the caller's tenant, whole, as a run view's links point at it. Values stored
 * inside it by reference are inlined within `viewBudgetBytes`, like a run's, and linked beyond it.
 * @throws BatonError FORBIDDEN, PAYLOAD_NOT_FOUND
 */
export async function getPayload(deps: Pick<UseCaseDeps, 'queries' | 'viewBudgetBytes'>, principal: Principal, { id }: { id: string }): Promise<unknown> {
  authorize(principal, 'run.read');
  const load = (ids: readonly string[]) => deps.queries.payloads(principal.tenant, ids);
  const found = isUuid(id) ? await load([id]) : new Map<string, unknown>();
  if (!found.has(id)) throw payloadNotFound(id);
  return hydrateWithin(found.get(id), deps.viewBudgetBytes, load);
}
