import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from './queue-name';

// ARGV: field, delta pairs. One command: a flush is one round trip whatever it holds.
const ADD = `for i = 1, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end return 1`;

/**
 * The fleet's metric totals in one Redis hash (`<prefix>:metrics:fleet`): every process adds its
 * counts once a second, any api renders them (the `FleetStore` port of `@baton/telemetry`).
 * A flushed Redis resets them, which Prometheus reads as a counter reset.
 */
export class RedisFleetStore {
  private readonly key: string;

  /** @param redis - borrowed, never closed */
  constructor(private readonly redis: Redis, prefix: string = DEFAULT_PREFIX) {
    this.key = `${prefix}:metrics:fleet`;
  }

  async add(deltas: ReadonlyMap<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    const args: string[] = [];
    for (const [field, delta] of deltas) args.push(field, String(delta));
    await this.redis.eval(ADD, 1, this.key, ...args);
  }

  totals(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key);
  }
}
