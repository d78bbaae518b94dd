import { authorize, type Principal } from '@baton/auth';
import type { RunStatus } from '@baton/engine';
import { decodeCursor, encodeCursor } from './run-cursor';
import { toRunSummary, type RunSummary } from './run-view';
import type { UseCaseDeps } from './use-case-deps';

export interface ListRunsInput {
  status?: RunStatus;
  /** A template name, or the name of a workflow submitted inline. */
  template?: string;
  /** 1 to 200. @defaultValue 50 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface RunPage {
  items: RunSummary[];
  /** Present when there are more: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** The default page size of {@link listRuns}. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * The caller's tenant's runs, newest first, a page at a time (keyset pagination: a page never
 * repeats or skips a run because newer ones arrived meanwhile).
 * @throws BatonError FORBIDDEN; VALIDATION_FAILED (path `cursor`) for a cursor this api did not issue
 */
export async function listRuns(deps: Pick<UseCaseDeps, 'queries'>, principal: Principal, input: ListRunsInput): Promise<RunPage> {
  authorize(principal, 'run.read');
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  // One more than the page: whether it exists says whether there is a next page.
  const rows = await deps.queries.list({ tenant: principal.tenant, status: input.status, template: input.template, limit: limit + 1, after });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRunSummary),
    ...(rows.length > limit && last ? { nextCursor: encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) } : {}),
  };
}
