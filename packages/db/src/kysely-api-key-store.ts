import type { Kysely, Selectable } from 'kysely';
import { toJsonb } from './json';
import type { ApiKeysTable, Database } from './schema';

/** A stored key as the runtime and the authenticator see it: never the secret, and the hash only where it is checked. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  role: string;
  agents: string[] | null;
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

/** A new key to store: its record and the HMAC of its secret. */
export type NewApiKey = ApiKeyRecord & { secretHash: string };

const ID = /^[0-9a-f]{16}$/;

const PUBLIC_COLUMNS = ['id', 'tenant', 'name', 'role', 'agents', 'rate_limit_per_minute', 'expires_at', 'created_at', 'created_by'] as const;

function recordOf(row: Pick<Selectable<ApiKeysTable>, (typeof PUBLIC_COLUMNS)[number]>): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    role: row.role,
    agents: (row.agents as string[] | null) ?? null,
    rateLimitPerMinute: row.rate_limit_per_minute,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/**
 * Stored API keys on Postgres: `ApiKeyStore` of `@baton/auth` (`findLive`, on the request path)
 * and the key use cases' `ApiKeyRepository` of `@baton/runtime`. A deleted key keeps its row
 * (`deleted_at`) and is absent from every read.
 */
export class KyselyApiKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The live key with this id, with its secret's hash. A malformed id is absent without a query. */
  async findLive(id: string): Promise<(ApiKeyRecord & { secretHash: string }) | undefined> {
    if (!ID.test(id)) return undefined;
    const row = await this.db.selectFrom('api_keys').select([...PUBLIC_COLUMNS, 'secret_hash'])
      .where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row && { ...recordOf(row), secretHash: row.secret_hash };
  }

  async insert(key: NewApiKey): Promise<void> {
    await this.db.insertInto('api_keys').values({
      id: key.id,
      tenant: key.tenant,
      name: key.name,
      role: key.role,
      agents: key.agents === null ? null : toJsonb(key.agents),
      rate_limit_per_minute: key.rateLimitPerMinute,
      secret_hash: key.secretHash,
      expires_at: key.expiresAt,
      created_at: key.createdAt,
      created_by: key.createdBy,
    }).execute();
  }

  /** The tenant's live keys, oldest first (a tenant holds few keys: no paging). */
  async listLive(tenant: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').select(PUBLIC_COLUMNS)
      .where('tenant', '=', tenant).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
    return rows.map(recordOf);
  }

  /** Marks the tenant's live key deleted; false when it has no such key (another tenant's, unknown, deleted already). */
  async delete(tenant: string, id: string, at: Date): Promise<boolean> {
    if (!ID.test(id)) return false;
    const result = await this.db.updateTable('api_keys').set({ deleted_at: at })
      .where('tenant', '=', tenant).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** How many live keys exist in all tenants (the api warns at start when they exist but no pepper can check them). */
  async countLive(): Promise<number> {
    const row = await this.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<string>().as('n')).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
