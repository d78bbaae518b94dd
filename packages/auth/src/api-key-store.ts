/** A stored API key as the authenticator needs it (never the secret: only its HMAC). */
export interface StoredApiKey {
  id: string;
  tenant: string;
  /** One of `ROLES`; a row with another is refused. */
  role: string;
  /** The agents the key may use; null for every agent. */
  agents: readonly string[] | null;
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
  /** `hashApiKeySecret(pepper, { id, secret })`. */
  secretHash: string;
}

/** Where stored keys are found: `KyselyApiKeyStore` of `@baton/db`. */
export interface ApiKeyStore {
  /**
   * The key with this id, unless it was deleted.
   * @throws when the store cannot answer (Postgres down): the request is then a 503, not a 401
   */
  findLive(id: string): Promise<StoredApiKey | undefined>;
}
