// Postgres lock waits during a scenario: every 50 ms, the bench database's backends waiting on a
// heavyweight lock (pg_stat_activity.wait_event_type = 'Lock'). A fleet that contends on shared
// rows shows up here; one that does not shows zeros.
import pg from 'pg';

const SAMPLE_MS = 50;

/** Starts sampling; `stop()` resolves with the figures. */
export function sampleLockWaits(connectionString, dbName) {
  const client = new pg.Client({ connectionString });
  const seen = new Set();
  let samples = 0;
  let waitingSum = 0;
  let waitingMax = 0;
  let stopped = false;
  const t0 = performance.now();
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query(
        `SELECT pid, query_start FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [dbName]);
      samples++;
      waitingSum += rows.length;
      waitingMax = Math.max(waitingMax, rows.length);
      // one wait is one statement (pid, query_start) seen waiting in one or more samples
      for (const r of rows) seen.add(`${r.pid}/${r.query_start?.toISOString()}`);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      const seconds = (performance.now() - t0) / 1000;
      return {
        samples,
        waiting_backends_mean: samples ? Math.round((1000 * waitingSum) / samples) / 1000 : 0,
        waiting_backends_max: waitingMax,
        waits: seen.size,
        waits_per_s: seconds > 0 ? Math.round((10 * seen.size) / seconds) / 10 : 0,
      };
    },
  };
}
