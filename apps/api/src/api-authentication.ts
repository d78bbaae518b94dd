import type { Redis } from 'ioredis';
import type { Meter } from '@baton/core';
import {
  adminKeyAuthenticator, apiKeyAuthenticator, chainAuthenticators, jwtAuthenticator, openAuthenticator,
  type ApiKeyAuthenticator, type Authenticator,
} from '@baton/auth';
import { KyselyApiKeyStore, type Db } from '@baton/db';
import type { ApiKeyDeps } from '@baton/runtime';
import type { Logger } from '@baton/telemetry';
import type { Config } from './config';
import { openKeyRevocationChannel } from './key-revocation-channel';

/** Who the api's callers are, and the keys it manages. */
export interface ApiAuthentication {
  /** The bootstrap key, stored keys and JWTs, as configured (in that order); or open. */
  authenticator: Authenticator;
  /** What `/v1/api-keys` needs. */
  apiKeys: ApiKeyDeps;
  /** Closes the revocation channel's subscriber. */
  close(): Promise<void>;
}

/**
 * Builds the api's authenticator from its configuration. Stored keys are accepted once
 * `BATON_KEY_PEPPER` is set; each api instance caches them, forgetting one as soon as any instance
 * deletes it (Redis pub/sub) and serving none from the cache while it cannot hear deletions.
 */
export async function startAuthentication(
  config: Pick<Config, 'adminKey' | 'auth' | 'queuePrefix'>, db: Db, redis: Redis, logger: Logger, { waitMs, meter }: { waitMs?: number; meter?: Meter } = {},
): Promise<ApiAuthentication> {
  const store = new KyselyApiKeyStore(db.kysely);
  let keys: ApiKeyAuthenticator | undefined;
  const channel = await openKeyRevocationChannel({ redis, prefix: config.queuePrefix, forget: (id) => keys?.forget(id), logger, ...(waitMs === undefined ? {} : { waitMs }) });
  const { keyPepper, jwt, open } = config.auth;
  if (keyPepper !== undefined) {
    keys = apiKeyAuthenticator({ store, pepper: keyPepper, cache: { live: () => channel.live(), ...(meter ? { meter } : {}) } });
  } else {
    const stored = await store.countLive().catch(() => 0);
    if (stored > 0) logger.warn('API keys are stored but BATON_KEY_PEPPER is not set: they are refused until it is (the same pepper they were created with)', { keys: stored });
  }
  const authenticators: Authenticator[] = [
    ...(config.adminKey === undefined ? [] : [adminKeyAuthenticator(config.adminKey)]),
    ...(keys ? [keys] : []),
    ...(jwt ? [jwtAuthenticator(jwt)] : []),
  ];
  return {
    authenticator: open ? openAuthenticator() : chainAuthenticators(...authenticators),
    apiKeys: { keys: store, revocations: channel, ...(keyPepper === undefined ? {} : { pepper: keyPepper }) },
    close: () => channel.close(),
  };
}
