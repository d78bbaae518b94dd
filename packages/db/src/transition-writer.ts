import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import { eventsInsertSql, type EventWrite } from './events-insert-sql';
import { runsUpdateSql, type RunUpdate } from './runs-update-sql';
import { stepsUpsertSql, type StepWrite } from './steps-upsert-sql';

export interface Transitions {
  steps: StepWrite[];
  runs: RunUpdate[];
  events: EventWrite[];
}

/**
 * Writes a batch of transitions — steps, runs and events of many runs — in ONE statement
 * (data-modifying CTEs), so a group commit costs one round trip for all its writes.
 */
export async function writeTransitions(db: Kysely<Database>, t: Transitions): Promise<void> {
  await sql`
    WITH s AS (${stepsUpsertSql(t.steps)} RETURNING 1),
         r AS (${runsUpdateSql(t.runs)} RETURNING 1),
         e AS (${eventsInsertSql(t.events)} RETURNING 1)
    SELECT (SELECT count(*) FROM s) AS steps, (SELECT count(*) FROM r) AS runs, (SELECT count(*) FROM e) AS events`.execute(db);
}
