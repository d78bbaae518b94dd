import type { ExpiredWait, IdempotencyClaim, IdempotencyHolder, LiveStep, NewRuns, PayloadWrite, RunHead, RunLink, SlotClaim, StepRow, Transitions } from '@baton/db';

/**
 * What the runtime reads and writes by run id, on its own or inside a transaction. Run ids here
 * come from the runtime itself (jobs it enqueued, runs it admitted, the reconciler's sweep over
 * every tenant): what a client asks for by id goes through {@link RunQueries}, which takes the tenant.
 */
export interface RunStoreAccess {
  /** The runs' heads (every column but the definition); unknown ids are absent. */
  heads(runIds: readonly string[]): Promise<RunHead[]>;
  /** The runs' stored definitions, by run id. */
  definitions(runIds: readonly string[]): Promise<Map<string, unknown>>;
  /** Every entry (step, forEach child, hand-off hop) of these runs. */
  steps(runIds: readonly string[]): Promise<StepRow[]>;
  /** Stored values by id; an unknown id is absent. */
  payloads(ids: readonly string[]): Promise<Map<string, unknown>>;
  /** Stores values once, each of a run that exists. */
  putPayloads(payloads: readonly PayloadWrite[], now: Date): Promise<void>;
}

/** One transaction of a {@link RunStore}: everything done through it commits together, or nothing does. */
export interface RunStoreTransaction extends RunStoreAccess {
  /** Locks the runs until the transaction ends, in id order (batches cannot deadlock); unknown ids are absent. */
  lock(runIds: readonly string[]): Promise<RunHead[]>;
  /** Writes the steps, runs (bumping each `version`) and events of many transitions. */
  writeTransitions(transitions: Transitions): Promise<void>;
  /**
   * Claims idempotency keys for new runs; answers the holder of each key already taken, before or
   * by an earlier claim of the same call. A claim that won is not in the answer.
   */
  claimIdempotencyKeys(claims: readonly IdempotencyClaim[]): Promise<IdempotencyHolder[]>;
  /** Inserts new runs with their first steps and events. */
  insertRuns(batch: NewRuns): Promise<void>;
  /**
   * Takes concurrency slots for new runs, locking each key: a run gets one while its key has fewer
   * holders than its limit and no run waits before it. Records every claim; answers the runs that got one.
   */
  takeSlots(claims: readonly SlotClaim[]): Promise<Set<string>>;
  /**
   * Frees the slots of these finished runs (or takes them out of the line) and gives each freed
   * slot to the oldest waiting run of its key that no other transaction holds; answers those runs,
   * locked until the transaction ends.
   */
  releaseSlots(runIds: readonly string[]): Promise<string[]>;
  /** Links new child runs to the parent step attempts that started them (one child per attempt). */
  linkChildren(links: readonly RunLink[]): Promise<void>;
}

/**
 * Where the runtime keeps runs: the port it owns (STYLE rule 3). `KyselyRunStore` of `@baton/db` is
 * the Postgres adapter; `run-store-contract.test-helper.ts` is the suite every adapter passes.
 *
 * A value that cannot be stored (a NUL or a lone surrogate) makes the write throw
 * `UnstorableValueError` of `@baton/db`, and nothing of it is stored.
 */
export interface RunStore extends RunStoreAccess {
  /** Runs `work` in one transaction, committed when it resolves and rolled back when it throws. */
  transaction<T>(work: (tx: RunStoreTransaction) => Promise<T>): Promise<T>;
  /** Attempts queued or running since before `queuedBefore` that have a job of their own, oldest first. */
  liveSteps(queuedBefore: Date, limit: number): Promise<LiveStep[]>;
  /** Attempts of `wait` steps still waiting past their timeout (deadline before `now`), the earliest deadline first. */
  expiredWaits(now: Date, limit: number): Promise<ExpiredWait[]>;
  /**
   * Counts one more requeue of each attempt still live (the same attempt, queued or running); answers
   * how many. An attempt given with `requeues` is counted only while its count is still that: of two
   * reconcilers that saw the same loss, one counts it (and requeues it).
   */
  countRequeues(attempts: ReadonlyArray<{ runId: string; key: string; attempt: number; requeues?: number }>): Promise<number>;
}
