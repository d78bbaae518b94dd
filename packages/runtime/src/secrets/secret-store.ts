import type { SecretListing, StoredSecret } from '@baton/db';

export type { SecretListing, StoredSecret };

/** Where secrets are kept, encrypted, per tenant (`KyselySecretStore` of `@baton/db`). */
export interface SecretStore {
  /** Creates or replaces a secret; answers whether it was new. */
  put(secret: StoredSecret): Promise<{ created: boolean }>;
  /** The tenant's secrets by name, without their values. */
  list(tenant: string): Promise<SecretListing[]>;
  /** Deletes a secret; answers whether there was one. */
  delete(tenant: string, name: string): Promise<boolean>;
  /** The tenant's secrets of these names that exist. */
  get(tenant: string, names: readonly string[]): Promise<StoredSecret[]>;
}
