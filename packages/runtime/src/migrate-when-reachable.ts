import { ensureDatabase, migrate, type Db } from '@baton/db';
import { unavailableDependency } from './dependency-errors';
import type { RuntimeLogger } from './step-dispatcher';

/**
 * Creates the database when missing and migrates it, retrying while Postgres is unreachable (it
 * may start after Baton does); any other failure throws.
 */
export async function migrateWhenReachable(db: Db, url: string, logger: RuntimeLogger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureDatabase(url);
      await migrate(db.kysely);
      return;
    } catch (err) {
      if (!unavailableDependency(err)) throw err;
      const delayMs = Math.min(attempt * 500, 5000);
      logger.warn('postgres unreachable; retrying migrations', { attempt, delayMs, error: String(err) });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
