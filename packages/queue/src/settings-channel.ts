import type { Redis } from 'ioredis';
import { subscribeChannel } from './subscribe-channel';

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
 * (re)subscription, since messages published while the connection was down are lost
 * ({@link subscribeChannel}: its own connection reconnects forever). Answers at once.
 */
export function subscribeSettingsChanges(redis: Redis, prefix: string, changed: () => void, onError: (error: Error) => void = () => undefined): SettingsChanges {
  const subscription = subscribeChannel(redis, { channel: settingsChannel(prefix), connectionName: 'baton-settings', onMessage: () => changed(), onSubscribed: changed, onError });
  return { close: () => subscription.close() };
}
