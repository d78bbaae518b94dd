import { randomUUID } from 'node:crypto';
import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { scanOf, type BulkAction, type BulkFilter, type BulkOperation, type BulkOperationStore } from '../bulk-operations';
import { cancelRun } from './cancel-run';
import { retryRun } from './retry-run';
import { pauseRun, resumeRun } from './operate-runs';
import type { UseCaseDeps } from './use-case-deps';

export interface BulkOperationDeps {
  bulkOperations: BulkOperationStore;
  /** Told of a new operation, so that this process starts on it at once. */
  bulkRunner?: { kick(): void };
}

/**
 * Records a bulk operation on the runs of the caller's tenant that `filter` matches now, and
 * answers at once: a runner applies it in batches (`GET` shows its progress).
 * @throws BatonError FORBIDDEN
 */
export async function startBulkOperation(deps: BulkOperationDeps, principal: Principal, request: { action: BulkAction; filter: BulkFilter }): Promise<{ id: string }> {
  authorize(principal, 'run.retry');
  const createdAt = new Date();
  const matched = await deps.bulkOperations.count(scanOf(principal.tenant, request.action, request.filter, createdAt));
  const id = randomUUID();
  await deps.bulkOperations.create({
    id, tenant: principal.tenant, action: request.action, filter: request.filter, status: 'running',
    matched, done: 0, failed: 0, createdBy: principal.subject, createdAt,
  });
  deps.bulkRunner?.kick();
  return { id };
}

/** What `GET /v1/bulk-operations/:id` answers. */
export interface BulkOperationView {
  id: string;
  action: BulkAction;
  status: BulkOperation['status'];
  filter: BulkFilter;
  matched: number;
  done: number;
  failed: number;
  createdBy: string;
  createdAt: string;
  finishedAt?: string;
}

/**
 * A bulk operation of the caller's tenant and its progress.
 * @throws BatonError FORBIDDEN; BULK_OPERATION_NOT_FOUND (another tenant's too)
 */
export async function getBulkOperation(deps: BulkOperationDeps, principal: Principal, { id }: { id: string }): Promise<BulkOperationView> {
  authorize(principal, 'run.read');
  const op = /^[0-9a-f-]{36}$/i.test(id) ? await deps.bulkOperations.get(id, principal.tenant) : undefined;
  if (!op) throw new BatonError('BULK_OPERATION_NOT_FOUND', `bulk operation ${id} not found`);
  return {
    id: op.id, action: op.action, status: op.status, filter: op.filter, matched: op.matched, done: op.done, failed: op.failed,
    createdBy: op.createdBy, createdAt: op.createdAt.toISOString(), ...(op.finishedAt && { finishedAt: op.finishedAt.toISOString() }),
  };
}

/** Applies `action` to one run through its own use case, as `principal`. */
export async function applyBulkAction(deps: Pick<UseCaseDeps, 'runtime' | 'queries'>, principal: Principal, action: BulkAction, id: string): Promise<void> {
  const useCase = { cancel: cancelRun, retry: retryRun, pause: pauseRun, resume: resumeRun }[action];
  await useCase(deps, principal, { id });
}
