import { ADMIN_KEY_SUBJECT, agentsOutside, authorize, generateApiKey, type Principal, type Role } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { ApiKeyRecord, NewApiKey } from '@baton/db';

/** Where keys are kept: `KyselyApiKeyStore` of `@baton/db`. */
export interface ApiKeyRepository {
  insert(key: NewApiKey): Promise<void>;
  listLive(tenant: string): Promise<ApiKeyRecord[]>;
  /** False when the tenant has no live key of that id. */
  delete(tenant: string, id: string, at: Date): Promise<boolean>;
}

/** Tells every api instance that a key was deleted, so none serves it from its cache (the api's Redis channel). */
export interface KeyRevocations {
  /**
   * Forgets the key here and publishes its id.
   * @throws BatonError UNAVAILABLE when the publish failed: the other instances refuse the key only
   * once their cached copy expires (30 s), so the admin is told rather than given a 204
   */
  revoked(id: string): Promise<void>;
}

export interface ApiKeyDeps {
  keys: ApiKeyRepository;
  revocations: KeyRevocations;
  /** `BATON_KEY_PEPPER`; without it no key can be created (NOT_CONFIGURED). */
  pepper?: string;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

/** A key as `GET /v1/api-keys` shows it: never its secret or hash. */
export interface ApiKeySummary {
  id: string;
  name: string;
  role: string;
  tenant: string;
  agents: string[] | null;
  rateLimitPerMinute: number | null;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string;
}

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  tenant?: string;
  agents?: string[];
  rateLimitPerMinute?: number;
  /** ISO 8601; in the future. */
  expiresAt?: string;
}

const summaryOf = (k: ApiKeyRecord): ApiKeySummary => ({
  id: k.id,
  name: k.name,
  role: k.role,
  tenant: k.tenant,
  agents: k.agents,
  rateLimitPerMinute: k.rateLimitPerMinute,
  expiresAt: k.expiresAt?.toISOString() ?? null,
  createdAt: k.createdAt.toISOString(),
  createdBy: k.createdBy,
});

/**
 * The tenant whose keys the caller manages: its own, or for the bootstrap key (`BATON_ADMIN_KEY`,
 * which sets a deployment up) any tenant it names.
 * @throws BatonError FORBIDDEN for another tenant named by anyone else
 */
function keyTenant(principal: Principal, requested: string | undefined): string {
  if (requested === undefined || requested === principal.tenant) return principal.tenant;
  if (principal.subject === ADMIN_KEY_SUBJECT) return requested;
  throw new BatonError('FORBIDDEN', "an admin manages its own tenant's keys only (the bootstrap BATON_ADMIN_KEY may name another tenant)", [
    { path: 'tenant', message: `must be ${principal.tenant} or omitted` },
  ]);
}

/**
 * Creates a key and returns it with its secret, the one time it is ever shown. The key can do no
 * more than its creator: an admin with an agent allow-list creates keys within that list.
 * @throws BatonError FORBIDDEN (not an admin, another tenant, agents beyond the creator's),
 * VALIDATION_FAILED (an expiry not in the future), NOT_CONFIGURED (no BATON_KEY_PEPPER)
 */
export async function createApiKey(deps: ApiKeyDeps, principal: Principal, input: CreateApiKeyInput): Promise<ApiKeySummary & { key: string }> {
  authorize(principal, 'admin.manage');
  const tenant = keyTenant(principal, input.tenant);
  if (principal.agents !== undefined) {
    const outside = input.agents === undefined ? ['(every agent)'] : agentsOutside(principal, input.agents);
    if (outside.length > 0) {
      throw new BatonError('FORBIDDEN', "a key's agents must be within its creator's allow-list", outside.map((agent) => ({ path: 'agents', message: `${agent} is outside the caller's agent allow-list` })));
    }
  }
  const now = deps.now?.() ?? new Date();
  const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
  if (expiresAt !== null && !(expiresAt.getTime() > now.getTime())) {
    throw new BatonError('VALIDATION_FAILED', 'expiresAt must be in the future', [{ path: 'expiresAt', message: 'must be in the future' }]);
  }
  if (deps.pepper === undefined) {
    throw new BatonError('NOT_CONFIGURED', 'API keys are off on this deployment: set BATON_KEY_PEPPER (32+ random characters) on the api to create and accept them');
  }
  const generated = generateApiKey(deps.pepper);
  const record: ApiKeyRecord = {
    id: generated.id,
    tenant,
    name: input.name,
    role: input.role,
    agents: input.agents ? [...new Set(input.agents)] : null,
    rateLimitPerMinute: input.rateLimitPerMinute ?? null,
    expiresAt,
    createdAt: now,
    createdBy: principal.subject,
  };
  await deps.keys.insert({ ...record, secretHash: generated.secretHash });
  return { ...summaryOf(record), key: generated.key };
}

/** The live keys of the caller's tenant (or, for the bootstrap key, of the tenant it names), without secrets. */
export async function listApiKeys(deps: Pick<ApiKeyDeps, 'keys'>, principal: Principal, input: { tenant?: string } = {}): Promise<{ items: ApiKeySummary[] }> {
  authorize(principal, 'admin.manage');
  const keys = await deps.keys.listLive(keyTenant(principal, input.tenant));
  return { items: keys.map(summaryOf) };
}

/**
 * Deletes a key: from now on it is refused on every api instance. Deleted in Postgres first, then
 * published: a publish before the delete could be undone by an instance caching the row again.
 * @throws BatonError API_KEY_NOT_FOUND for an unknown, deleted, or another tenant's key
 * @throws BatonError UNAVAILABLE when the key is deleted but the other instances were not told (Redis)
 */
export async function deleteApiKey(deps: ApiKeyDeps, principal: Principal, input: { id: string; tenant?: string }): Promise<void> {
  authorize(principal, 'admin.manage');
  const deleted = await deps.keys.delete(keyTenant(principal, input.tenant), input.id, deps.now?.() ?? new Date());
  if (!deleted) throw new BatonError('API_KEY_NOT_FOUND', 'no such API key');
  await deps.revocations.revoked(input.id);
}
