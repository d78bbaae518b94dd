import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './queue-name';

export interface AgentDescriptor {
  name: string;
  description: string;
}

export interface AgentSummary {
  name: string;
  description: string;
  /** Workers that heartbeated within their ttl. */
  workers: number;
  /** `offline` when no live worker serves it: its steps wait until one comes back. */
  status: 'online' | 'offline';
  /** ISO 8601: the last heartbeat of any worker serving it (kept after the workers leave). */
  lastSeenAt: string;
}

export interface AgentRegistryOptions {
  /** Borrowed, never closed. */
  connection: Redis;
  /** @defaultValue `'baton'` */
  prefix?: string;
}

// Time comes from Redis (TIME), not from each machine's clock, so skewed workers count right.
// A worker's entry in an agent's zset is scored with the moment it expires.
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: known agents hash, last-seen hash, the worker's agent set, one worker zset per agent.
// ARGV: worker id, ttl ms, then name and description pairs in KEYS order, then the changes channel.
// A new agent or a worker newly serving one is published; a heartbeat that changes neither is not.
const REGISTER = `${NOW}
local ttl = tonumber(ARGV[2])
local changed = false
for i = 4, #KEYS do
  local name = ARGV[2 * (i - 3) + 1]
  if redis.call('HSET', KEYS[1], name, ARGV[2 * (i - 3) + 2]) == 1 then changed = true end
  redis.call('HSET', KEYS[2], name, now)
  if redis.call('ZADD', KEYS[i], now + ttl, ARGV[1]) == 1 then changed = true end
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  redis.call('SADD', KEYS[3], name)
end
if #KEYS > 3 then redis.call('PEXPIRE', KEYS[3], ttl) end
if changed then redis.call('PUBLISH', ARGV[#ARGV], 'registered') end
return now`;

// KEYS: one worker zset per agent. Drops the expired entries and counts the rest.
const COUNT = `${NOW}
local counts = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  counts[i] = redis.call('ZCARD', KEYS[i])
end
return counts`;

/**
 * The pub/sub channel on which the registry says it changed: an agent or a worker came (a worker's
 * first heartbeat) or left (`unregister`). A worker that dies unannounced is seen only when its ttl passes.
 */
export function agentRegistryChannel(prefix: string = DEFAULT_PREFIX): string {
  return `${prefix}:registry:changed`;
}

/**
 * Which agents exist and how many workers serve each, in Redis. Workers call `register` as a
 * heartbeat (more often than `ttlMs`); a worker that stops is no longer counted once its ttl has
 * passed. Every agent ever registered stays known, so a workflow naming it is valid.
 */
export class AgentRegistry {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly channel: string;

  constructor(options: AgentRegistryOptions) {
    this.redis = options.connection;
    this.prefix = `${options.prefix ?? DEFAULT_PREFIX}:registry`;
    this.channel = agentRegistryChannel(options.prefix);
  }

  /**
   * Records (or refreshes) that `workerId` serves `agents` for the next `ttlMs`; a change is
   * published on {@link agentRegistryChannel}.
   * @throws RangeError when ttlMs is not a positive integer.
   */
  async register(workerId: string, agents: readonly AgentDescriptor[], ttlMs: number): Promise<void> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
    const keys = [this.knownKey(), this.lastSeenKey(), this.workerKey(workerId), ...agents.map((a) => this.workersKey(a.name))];
    const args = [workerId, String(ttlMs), ...agents.flatMap((a) => [a.name, a.description]), this.channel];
    await this.redis.eval(REGISTER, keys.length, ...keys, ...args);
  }

  /** Every known agent, by name, with its live worker count. */
  async list(): Promise<AgentSummary[]> {
    const [known, lastSeen] = await Promise.all([this.redis.hgetall(this.knownKey()), this.redis.hgetall(this.lastSeenKey())]);
    const names = Object.keys(known).sort();
    if (names.length === 0) return [];
    const counts = (await this.redis.eval(COUNT, names.length, ...names.map((name) => this.workersKey(name)))) as number[];
    return names.map((name, i) => ({
      name,
      description: known[name] ?? '',
      workers: counts[i] ?? 0,
      status: (counts[i] ?? 0) > 0 ? ('online' as const) : ('offline' as const),
      lastSeenAt: new Date(Number(lastSeen[name] ?? 0)).toISOString(),
    }));
  }

  /** Every agent any worker has ever registered. */
  async known(): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.knownKey()));
  }

  /** A worker shutting down: stop counting it at once instead of after its ttl (published on {@link agentRegistryChannel}). */
  async unregister(workerId: string): Promise<void> {
    const names = await this.redis.smembers(this.workerKey(workerId));
    const tx = this.redis.multi();
    for (const name of names) tx.zrem(this.workersKey(name), workerId);
    tx.del(this.workerKey(workerId));
    tx.publish(this.channel, 'unregistered');
    await tx.exec();
  }

  private knownKey(): string {
    return `${this.prefix}:agents`;
  }
  private lastSeenKey(): string {
    return `${this.prefix}:last-seen`;
  }
  private workersKey(agent: string): string {
    return `${this.prefix}:agent:${agent}:workers`;
  }
  private workerKey(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }
}
