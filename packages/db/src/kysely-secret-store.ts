import type { Kysely } from 'kysely';
import { toJsonb } from './json';
import type { Database } from './schema';

/** A secret as stored: the value encrypted, never in clear. */
export interface StoredSecret {
  tenant: string;
  name: string;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  keyId: string;
  /** Null for every agent. */
  allowedAgents: string[] | null;
}

/** What a listing shows of a secret: never its value. */
export interface SecretListing {
  name: string;
  allowedAgents: string[] | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The runtime's `SecretStore` port on Postgres (matched structurally). Every call is scoped to a
 * tenant: another tenant's secret of the same name is another row, never seen.
 */
export class KyselySecretStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates or replaces a secret; answers whether it was new. Its `createdAt` survives a replacement. */
  async put(secret: StoredSecret, now = new Date()): Promise<{ created: boolean }> {
    const row = await this.db
      .insertInto('secrets')
      .values({
        tenant: secret.tenant, name: secret.name, ciphertext: secret.ciphertext, iv: secret.iv, tag: secret.tag, key_id: secret.keyId,
        allowed_agents: secret.allowedAgents === null ? null : toJsonb(secret.allowedAgents), created_at: now, updated_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant', 'name']).doUpdateSet((eb) => ({
        ciphertext: eb.ref('excluded.ciphertext'), iv: eb.ref('excluded.iv'), tag: eb.ref('excluded.tag'), key_id: eb.ref('excluded.key_id'),
        allowed_agents: eb.ref('excluded.allowed_agents'), updated_at: eb.ref('excluded.updated_at'),
      })))
      .returning('created_at')
      .executeTakeFirstOrThrow();
    return { created: row.created_at.getTime() === now.getTime() };
  }

  /** The tenant's secrets by name, without their values. */
  async list(tenant: string): Promise<SecretListing[]> {
    const rows = await this.db.selectFrom('secrets').select(['name', 'allowed_agents', 'created_at', 'updated_at']).where('tenant', '=', tenant).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, allowedAgents: (r.allowed_agents as string[] | null) ?? null, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** Deletes a secret; answers whether there was one. */
  async delete(tenant: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('secrets').where('tenant', '=', tenant).where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The tenant's secrets of these names that exist. */
  async get(tenant: string, names: readonly string[]): Promise<StoredSecret[]> {
    if (names.length === 0) return [];
    const rows = await this.db.selectFrom('secrets').selectAll().where('tenant', '=', tenant).where('name', 'in', [...names]).execute();
    return rows.map((r) => ({
      tenant: r.tenant, name: r.name, ciphertext: r.ciphertext, iv: r.iv, tag: r.tag, keyId: r.key_id, allowedAgents: (r.allowed_agents as string[] | null) ?? null,
    }));
  }
}
