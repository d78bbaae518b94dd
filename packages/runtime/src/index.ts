export { Runtime, type RuntimeOptions, type SubmitRequest, type SubmitResult, type QueuedJob } from './runtime';
export { Reconciler, type JobPresence, type ReconcilerOptions } from './reconciler';
export { BatonError } from './errors';
export type { StepDispatcher, RuntimeLogger } from './step-dispatcher';
export { definitionHash } from './workflow-cache';
export { createBullmqDispatcher } from './bullmq-dispatcher';
export { PayloadStore } from './payload-store';
export { unavailableDependency, type Dependency } from './dependency-errors';
export { migrateWhenReachable, whenReachable } from './migrate-when-reachable';
