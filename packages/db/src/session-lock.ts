import { Client } from 'pg';

/** How often a held lock's connection is checked: a broken one means the lock is gone. */
const PING_MS = 5_000;

/**
 * A Postgres session-level advisory lock on a connection of its own (not the pool's): held for as
 * long as that session lives, released by Postgres when the process or its connection dies, so
 * another process may take it. `onLost` is called once when the connection breaks while held.
 */
export class SessionLock {
  private released = false;
  private readonly ping: NodeJS.Timeout;

  private constructor(private readonly client: Client, onLost: (error: Error) => void) {
    let lost = false;
    const lose = (error: Error) => {
      if (lost || this.released) return;
      lost = true;
      clearInterval(this.ping);
      onLost(error);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the lock\'s Postgres connection ended')));
    this.ping = setInterval(() => void client.query('SELECT 1').catch((err: Error) => {
      lose(err);
      void client.end().catch(() => undefined);
    }), PING_MS);
    this.ping.unref();
  }

  /**
   * Takes lock `key` when no other session holds it.
   * @returns the held lock, or undefined when another session holds it.
   * @throws what pg threw when Postgres cannot be reached.
   */
  static async tryAcquire(url: string, key: number, onLost: (error: Error) => void): Promise<SessionLock | undefined> {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    client.on('error', () => undefined); // until the lock listens: a failed connect rejects below
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
      if (rows[0]?.locked) return new SessionLock(client, onLost);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end().catch(() => undefined);
    return undefined;
  }

  /** Gives the lock up (ending its session). Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.ping);
    await this.client.end().catch(() => undefined);
  }
}
