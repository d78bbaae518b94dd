import { BatonError } from '@baton/core';
import { apiKeyMatches, looksLikeApiKey, parseApiKey } from './api-key';
import type { ApiKeyStore, StoredApiKey } from './api-key-store';
import type { Authenticator } from './authenticator';
import type { Principal } from './principal';
import { isRole } from './role';

/** An in-process cache of key rows, so a known key costs one HMAC and no query. */
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
  const maxEntries = cache?.maxEntries ?? 10_000;
  const ttlMs = cache?.ttlMs ?? 30_000;
  const rows = new Map<string, { row: StoredApiKey; at: number }>();
  // Bumped by every forget: a row read before an invalidation is not cached after it.
  let generation = 0;

  const cached = (id: string): StoredApiKey | undefined => {
    if (!cache?.live()) return undefined;
    const entry = rows.get(id);
    if (!entry) return undefined;
    rows.delete(id);
    if (now() - entry.at > ttlMs) return undefined;
    rows.set(id, entry); // most recently used last
    return entry.row;
  };

  const read = async (id: string): Promise<StoredApiKey | undefined> => {
    const before = generation;
    const row = await store.findLive(id);
    if (row && cache?.live() && before === generation) {
      rows.set(id, { row, at: now() });
      if (rows.size > maxEntries) rows.delete(rows.keys().next().value as string);
    }
    return row;
  };
  // A burst of requests with a key not cached yet shares one lookup.
  const reading = new Map<string, Promise<StoredApiKey | undefined>>();
  const load = (id: string): Promise<StoredApiKey | undefined> => {
    let pending = reading.get(id);
    if (!pending) {
      pending = read(id).finally(() => {
        if (reading.get(id) === pending) reading.delete(id);
      });
      reading.set(id, pending);
    }
    return pending;
  };

  return {
    forget(id) {
      generation += 1;
      // A lookup in flight may predate the deletion: later requests must not share its answer.
      if (id === undefined) {
        rows.clear();
        reading.clear();
      } else {
        rows.delete(id);
        reading.delete(id);
      }
    },
    async authenticate(credential) {
      if (credential === undefined || !looksLikeApiKey(credential)) return undefined;
      const parts = parseApiKey(credential);
      if (!parts) return undefined;
      const row = cached(parts.id) ?? (await load(parts.id));
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
