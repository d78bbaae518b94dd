// Settings every module of the benchmark shares.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the built apps and packages are found from here. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** HTTP requests in flight at once: the client's socket pool and the submitters share this bound. */
export const IN_FLIGHT = 64;

/** Progress goes to stderr, so stdout holds only the table and the BENCH_JSON line. */
export const log = (...a) => console.error(...a);
