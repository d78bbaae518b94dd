import type { RunRow } from '@baton/db';
import type { Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { RunQueries } from '../run-queries';
import { isUuid } from './run-cursor';

/** A 404 for a run that does not exist, is not a UUID or belongs to another tenant: all look alike. */
export const runNotFound = (id: string): BatonError => new BatonError('RUN_NOT_FOUND', `run ${id.slice(0, 100)} not found`);

/**
 * The caller's run, definition included.
 * @throws BatonError RUN_NOT_FOUND when there is none of that id in the caller's tenant (a malformed id is not looked up)
 */
export async function loadRun(queries: RunQueries, principal: Principal, id: string): Promise<RunRow> {
  const run = isUuid(id) ? await queries.run(principal.tenant, id) : undefined;
  if (!run) throw runNotFound(id);
  return run;
}
