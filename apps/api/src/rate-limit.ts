import type { RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { within } from '@baton/runtime';

/** What one request used of a budget: its `RateLimit-*` headers and, past the limit, the 429. */
export interface Allowance {
  /** Requests per window. */
  limit: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
  exceeded: boolean;
}

/**
 * The api's rate limits (a port: `createApp` asks, {@link RedisRateLimits} counts). Every method
 * answers undefined when its limit is off.
 */
export interface RateLimits {
  /**
   * Counts one request of `key` (a principal's or an address's) against its limit: the runtime
   * settings' limit of its API key `keyId`, else `limitPerMinute` (the key's own), else the default.
   */
  request(key: string, limitPerMinute?: number, keyId?: string): Promise<Allowance | undefined>;
  /** Counts one failed authentication from `address`; past the budget the address is locked out. */
  authFailure(address: string): Promise<Allowance | undefined>;
  /** The lockout of `address` (too many failed authentications), as this process knows it: no I/O. */
  lockout(address: string): Allowance | undefined;
}

export interface RedisRateLimitsOptions {
  /** Borrowed, never closed: the api's `client` connection (it fails fast while Redis is down). */
  connection: Redis;
  /** `BATON_QUEUE_PREFIX`: the counters live under `<prefix>:rate:`. */
  prefix: string;
  /** `BATON_RATE_LIMIT_PER_MINUTE`: requests per principal (or address) and minute; 0 = off. */
  perMinute: number;
  /** `BATON_AUTH_FAILURES_PER_MINUTE`: failed authentications per address and minute; 0 = off. */
  authFailuresPerMinute: number;
  /** Told (at most once a minute) that Redis is down or hung and this process counts on its own. */
  onFallback?: () => void;
}

const WINDOW_SECONDS = 60;
/**
 * How long a request waits for Redis's count: a Redis that is connected but hung (paused, swapping,
 * a long script) answers nothing and raises no error, so without a bound every request would wait.
 */
export const REDIS_TIMEOUT_MS = 250;
/** After a timeout, requests count in memory without asking Redis for this long (then one asks again). */
const REDIS_BACKOFF_MS = 1000;
const TIMED_OUT = Symbol('timed out');
/** Addresses locked out in memory beyond which expired entries are swept. */
const LOCKOUT_SWEEP_AT = 10_000;

/** The key of an authenticated caller: tenant and subject, since two issuers may share a `sub`. */
export const principalKey = (principal: Pick<Principal, 'tenant' | 'subject'>): string => `principal:${principal.tenant}/${principal.subject}`;
/** The key of a caller no credential identifies. */
export const addressKey = (address: string): string => `ip:${address}`;

/**
 * Fixed one-minute windows counted in Redis (one EVALSHA per request, shared by every api
 * instance). The limit is decided here, not by the library, so one counter serves keys with
 * different limits (a key's own `rateLimitPerMinute`). While Redis is down each process counts in
 * memory instead (rate-limiter-flexible's insurance limiter): limits then hold per instance, never open.
 * So do they while Redis is hung: a count not answered in {@link REDIS_TIMEOUT_MS} is made in memory,
 * and so are the next second's without asking Redis (a late answer has counted twice: stricter, not open).
 *
 * A lockout after failed authentications is also remembered in memory, so that checking it costs
 * nothing on the requests that succeed; another instance learns of it at the address's next failure there.
 */
export class RedisRateLimits implements RateLimits {
  private readonly requests: Counter;
  private readonly failures: Counter;
  private readonly lockedUntil = new Map<string, number>();
  private lastFallback = 0;
  private redisSkippedUntil = 0;
  private settings: { perMinute?: number; byKey?: Readonly<Record<string, number>> } = {};

  constructor(private readonly options: RedisRateLimitsOptions) {
    const counter = (keyPrefix: string): Counter => {
      const memory = new RateLimiterMemory({ keyPrefix, points: Number.MAX_SAFE_INTEGER, duration: WINDOW_SECONDS });
      const redis = new RateLimiterRedis({
        storeClient: options.connection,
        keyPrefix,
        points: Number.MAX_SAFE_INTEGER,
        duration: WINDOW_SECONDS,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
      return { redis, memory };
    };
    this.requests = counter(`${options.prefix}:rate:requests`);
    this.failures = counter(`${options.prefix}:rate:auth-failures`);
  }

  /** The runtime settings' default and per-key limits, over `perMinute` (each unset: the configured one). */
  configure(settings: { perMinute?: number; byKey?: Readonly<Record<string, number>> }): void {
    this.settings = settings;
  }

  async request(key: string, limitPerMinute?: number, keyId?: string): Promise<Allowance | undefined> {
    const byKey = keyId === undefined ? undefined : this.settings.byKey?.[keyId];
    const limit = byKey ?? (limitPerMinute !== undefined && limitPerMinute > 0 ? limitPerMinute : this.settings.perMinute ?? this.options.perMinute);
    if (limit <= 0) return undefined;
    return allowanceOf(limit, await this.count(this.requests, key));
  }

  async authFailure(address: string): Promise<Allowance | undefined> {
    const limit = this.options.authFailuresPerMinute;
    if (limit <= 0) return undefined;
    const allowance = allowanceOf(limit, await this.count(this.failures, address));
    if (allowance.exceeded) this.lock(address, Date.now() + allowance.resetMs);
    return allowance;
  }

  lockout(address: string): Allowance | undefined {
    const until = this.lockedUntil.get(address);
    if (until === undefined) return undefined;
    const resetMs = until - Date.now();
    if (resetMs <= 0) {
      this.lockedUntil.delete(address);
      return undefined;
    }
    return { limit: this.options.authFailuresPerMinute, remaining: 0, resetMs, exceeded: true };
  }

  private async count(counter: Counter, key: string): Promise<RateLimiterRes> {
    if (this.options.connection.status !== 'ready') this.fallback();
    if (Date.now() < this.redisSkippedUntil) return counter.memory.consume(key);
    const answer = await within<RateLimiterRes, typeof TIMED_OUT>(counter.redis.consume(key), REDIS_TIMEOUT_MS, () => TIMED_OUT);
    if (answer !== TIMED_OUT) return answer;
    this.redisSkippedUntil = Date.now() + REDIS_BACKOFF_MS;
    this.fallback();
    return counter.memory.consume(key);
  }

  private fallback(): void {
    if (Date.now() - this.lastFallback <= WINDOW_SECONDS * 1000) return;
    this.lastFallback = Date.now();
    this.options.onFallback?.();
  }

  private lock(address: string, until: number): void {
    if (this.lockedUntil.size >= LOCKOUT_SWEEP_AT) {
      const now = Date.now();
      for (const [a, u] of this.lockedUntil) if (u <= now) this.lockedUntil.delete(a);
    }
    this.lockedUntil.set(address, until);
  }
}

/** A count in Redis, and the same count in memory for while Redis is down or hung. */
interface Counter {
  redis: RateLimiterRedis;
  memory: RateLimiterMemory;
}

function allowanceOf(limit: number, counted: RateLimiterRes): Allowance {
  return {
    limit,
    remaining: Math.max(limit - counted.consumedPoints, 0),
    resetMs: Math.max(counted.msBeforeNext, 0),
    exceeded: counted.consumedPoints > limit,
  };
}

/**
 * Sets the `RateLimit-*` headers of the answer (and `Retry-After` when over the limit).
 * @throws BatonError RATE_LIMITED when the allowance is exceeded; `why` says whose limit it was
 */
export function applyAllowance(res: Response, allowance: Allowance | undefined, why = 'rate limit exceeded'): void {
  if (!allowance) return;
  const resetSeconds = Math.max(Math.ceil(allowance.resetMs / 1000), 1);
  res.setHeader('RateLimit-Limit', String(allowance.limit));
  res.setHeader('RateLimit-Remaining', String(allowance.remaining));
  res.setHeader('RateLimit-Reset', String(resetSeconds));
  if (!allowance.exceeded) return;
  res.setHeader('Retry-After', String(resetSeconds));
  throw new BatonError('RATE_LIMITED', `${why}: ${allowance.limit} per minute; retry in ${resetSeconds} s`);
}

const counted = new WeakSet<object>();

/** Marks a request as counted by the authentication, so that {@link limitByAddress} does not count it again. */
export function markCounted(req: object): void {
  counted.add(req);
}

/**
 * Limits, by client address, every request that authentication did not count (a route that needs
 * no credentials, an unknown path): `req.ip`, which honours only the configured `trust proxy` hop
 * count, so a client's own `X-Forwarded-For` changes nothing.
 */
export function limitByAddress(limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    if (!counted.has(req)) applyAllowance(res, await limits.request(addressKey(req.ip ?? 'unknown')));
    next();
  };
}
