// Everything the benchmark creates is recorded in `state`, so teardown removes it on success,
// failure and Ctrl-C alike.
import { spawnSync } from 'node:child_process';
import { log, REDIS_URL } from './env.mjs';

/** What to undo at the end; the modules that create things register them here. */
export const state = {
  children: [],
  testDb: undefined,
  pool: undefined,
  redis: undefined,
  http: undefined,
  prefixes: [],
  stopping: false,
  teardown: undefined,
};

async function deleteKeys(redis, prefix) {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

/** Stops the children, drops the database, deletes the Redis keys; runs once however often called. */
export function teardown() {
  state.teardown ??= (async () => {
    state.stopping = true;
    await Promise.all(state.children.map((c) => c.stop(5000).catch(() => undefined)));
    state.http?.close();
    await state.pool?.end().catch(() => undefined);
    if (state.testDb) {
      await state.testDb.drop().then(
        () => log(`teardown: dropped database ${state.testDb.name}`),
        (e) => log(`teardown: could not drop database ${state.testDb.name}: ${e.message}`),
      );
      state.testDb = undefined;
    }
    if (state.redis) {
      for (const prefix of state.prefixes) {
        await deleteKeys(state.redis, prefix).then(
          (n) => n && log(`teardown: deleted ${n} Redis keys under ${prefix}:`),
          (e) => log(`teardown: could not delete ${prefix}:* keys: ${e.message}`),
        );
      }
      state.prefixes = [];
      await state.redis.quit().catch(() => undefined);
    }
  })();
  return state.teardown;
}

/** Signals and unhandled rejections tear down before exiting. */
export function installCleanupHandlers() {
  // Last resort when the process exits without the async teardown having finished.
  process.on('exit', () => {
    for (const c of state.children) c.killNow();
    if (state.testDb) spawnSync('psql', [process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', '-qc', `DROP DATABASE IF EXISTS ${state.testDb.name} WITH (FORCE)`], { stdio: 'ignore', timeout: 10_000 });
    for (const prefix of state.prefixes) {
      spawnSync('sh', ['-c', `redis-cli -u "$1" --scan --pattern "$2:*" | xargs -r redis-cli -u "$1" unlink >/dev/null`, 'sh', REDIS_URL, prefix], { stdio: 'ignore', timeout: 10_000 });
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      log(`\n${sig}: stopping and cleaning up…`);
      teardown().finally(() => process.exit(130));
    });
  }
  process.on('unhandledRejection', (err) => {
    log('unhandled rejection:', err);
    teardown().finally(() => process.exit(1));
  });
}
