import { ensureDatabase, migrate, type Db } from '@baton/db';
import { unavailableDependency } from './dependency-errors';
import type { RuntimeLogger } from './step-dispatcher';

/**
 * Runs `work` until it succeeds, waiting between attempts (500 ms, 1 s, … capped at 5 s) while it
 * fails because Postgres or Redis is unreachable: a process may start before its dependencies, or
 * while one restarts. Any other failure throws at once.
 */
export async function whenReachable<T>(what: string, work: () => Promise<T>, logger: RuntimeLogger): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const dependency = unavailableDependency(err);
      if (!dependency) throw err;
      const delayMs = Math.min(attempt * 500, 5000);
      logger.warn(`${dependency === 'unknown' ? 'a dependency' : dependency} unreachable; retrying ${what}`, { attempt, delayMs, error: String(err) });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/**
 * Creates the database when missing and migrates it, retrying while Postgres is unreachable (it
 * may start after Baton does); any other failure throws.
 */
export function migrateWhenReachable(db: Db, url: string, logger: RuntimeLogger): Promise<void> {
  return whenReachable('migrations', async () => {
    await ensureDatabase(url);
    await migrate(db.kysely);
  }, logger);
}
