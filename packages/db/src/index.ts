export { createDb, ensureDatabase, type Db, type DbOptions } from './create-db';
export { migrate } from './migrations';
export { containsNul, toJsonb } from './json';
export type { Database, RunRow, StepRow, RunEventRow } from './schema';
export { KyselyRunRepository, type RunHead, type RunUpdate, type RunListFilter } from './run-repository';
export { KyselyStepRepository, type StepWrite, type LiveStep } from './step-repository';
export { KyselyEventRepository, type EventWrite } from './event-repository';
export { createTestDatabase, serverUrl, type TestDatabase } from './test-database';
export { KyselyAgentRepository } from './agent-repository';
