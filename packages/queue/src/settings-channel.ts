import type { Redis } from 'ioredis';
import { duplicateRedis } from './create-redis';

/** The pub/sub channel that tells every process the runtime settings changed. */
export const settingsChannel = (prefix: string): string => `${prefix}:settings`;

/** Tells every process to read the settings again. @returns how many subscribers heard it. */
export async function publishSettingsChanged(redis: Redis, prefix: string, version: number): Promise<number> {
  return redis.publish(settingsChannel(prefix), String(version));
}

export interface SettingsChanges {
  /** Unsubscribes and closes the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Calls `changed` whenever the settings may have changed: on every message, and on every
 * (re)subscription, since messages published while the connection was down are lost. Its own
 * connection reconnects forever; answers at once.
 */
export function subscribeSettingsChanges(redis: Redis, prefix: string, changed: () => void, onError: (error: Error) => void = () => undefined): SettingsChanges {
  const channel = settingsChannel(prefix);
  const subscriber = duplicateRedis(redis, { connectionName: 'baton-settings', enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: false });
  subscriber.on('error', onError);
  subscriber.on('message', (from: string) => {
    if (from === channel) changed();
  });
  const subscribe = () => subscriber.subscribe(channel).then(changed, (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))));
  subscriber.on('ready', () => void subscribe());
  let closing: Promise<void> | undefined;
  return {
    close: () => (closing ??= subscriber.quit().then(() => undefined, () => subscriber.disconnect())),
  };
}
