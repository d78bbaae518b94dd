// `@baton/db/testing`: helpers for tests and benchmarks, kept out of the production entry point
// because they read `process.env` and create databases.
export { createTestDatabase, serverUrl, type TestDatabase } from './test-database';
