import { BatonError, ReadThroughCache, type Meter } from '@baton/core';
import { apiKeyMatches, looksLikeApiKey, parseApiKey } from './api-key';
import type { ApiKeyStore, StoredApiKey } from './api-key-store';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';
import { isRole } from './role';

/** An in-process cache of key rows (the `api_keys` {@link ReadThroughCache}), so a known key costs one HMAC and no query. */
export interface ApiKeyCacheOptions {
  /**
   * Whether cached rows may be served now: true only while deletions made on other instances are
   * being heard (the Redis invalidation channel is subscribed). False, every request reads the store.
   */
  live(): boolean;
  /** @defaultValue 10000 */
  maxEntries?: number;
  /** How long a row is served before it is read again, a bound on any invalidation missed. @defaultValue 30000 */
  ttlMs?: number;
  /** Where its `baton_cache_*{cache="api_keys"}` series go. @defaultValue none */
  meter?: Meter;
}

export interface ApiKeyAuthenticatorOptions {
  store: ApiKeyStore;
  /** `BATON_KEY_PEPPER`: the HMAC key of stored secrets. */
  pepper: string;
  /** Without it, every request reads the store. */
  cache?: ApiKeyCacheOptions;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface ApiKeyAuthenticator extends Authenticator {
  /** Drops a key's cached row (it was deleted), or every cached row (deletions may have been missed). */
  forget(id?: string): void;
}

/**
 * Accepts `bk_<id>_<secret>` keys of the store. A malformed key is refused without a lookup; a
 * known id with another secret, an unknown id and a deleted key alike resolve undefined (401).
 * @throws BatonError UNAUTHENTICATED for an expired key (only its holder learns that it expired)
 */
export function apiKeyAuthenticator({ store, pepper, cache, now = Date.now }: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  // By key id: the row holds the secret's hash, checked on every request, hit or miss.
  const rows = cache && new ReadThroughCache<StoredApiKey>({
    name: 'api_keys', maxEntries: cache.maxEntries ?? 10_000, ttlMs: cache.ttlMs ?? 30_000, enabled: () => cache.live(), now, ...(cache.meter ? { meter: cache.meter } : {}),
  });
  const lookup = (id: string): Promise<StoredApiKey | undefined> => (rows ? rows.get(id, () => store.findLive(id)) : store.findLive(id));

  return {
    forget(id) {
      if (id === undefined) rows?.clear();
      else rows?.delete(id);
    },
    async authenticate(credential) {
      if (credential === undefined || !looksLikeApiKey(credential)) return undefined;
      const parts = parseApiKey(credential);
      if (!parts) return undefined;
      const row = await lookup(parts.id);
      if (!row || !apiKeyMatches(pepper, parts, row.secretHash) || !isRole(row.role)) return undefined;
      if (row.expiresAt !== null && row.expiresAt.getTime() <= now()) {
        throw new BatonError('UNAUTHENTICATED', 'this API key has expired');
      }
      const principal: Principal = { tenant: row.tenant, role: row.role, subject: `key:${row.id}`, keyId: row.id };
      if (row.agents !== null) principal.agents = row.agents;
      if (row.rateLimitPerMinute !== null) principal.rateLimitPerMinute = row.rateLimitPerMinute;
      return principal;
    },
  };
}
