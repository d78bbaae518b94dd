import type { Redis } from 'ioredis';

/**
 * Redis's `maxmemory-policy`: `CONFIG GET`, or `INFO memory` where CONFIG is refused (managed
 * Redis often renames or disables it). BullMQ needs `noeviction`: under any other policy a full
 * Redis silently drops jobs.
 * @returns undefined when neither answers it
 */
export async function redisEvictionPolicy(redis: Pick<Redis, 'config' | 'info'>): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch {
    // refused: INFO may still say
  }
  const info = await redis.info('memory');
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}
