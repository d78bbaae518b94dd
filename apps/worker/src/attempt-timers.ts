/** The clock functions the timers use: the global ones, or a test's manual clock. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface AttemptTimersOptions {
  /** Bounds the attempt: past it the signal aborts with "timed out after … ms". Unbounded when absent or 0. */
  timeoutMs?: number;
  /** How long a start may wait to be recorded together with the result. */
  startDelayMs: number;
  /** Records `step.started`; called once, by the timer or by `finish`. */
  recordStart: () => void;
  /** @defaultValue {@link globalTimers} */
  timers?: Timers;
}

/**
 * One attempt's clock: its timeout, which aborts `signal`, and the deferred record of its start.
 * The start is recorded only when the agent is still running after `startDelayMs`, or at
 * `finish`: a quick step's start and result then share one group commit (one row write instead
 * of two), with the true start time either way.
 */
export class AttemptTimers {
  private readonly controller = new AbortController();
  private readonly timers: Timers;
  private readonly startTimer: unknown;
  private readonly timeoutTimer: unknown;
  private startRecorded = false;
  private expired = false;

  constructor(private readonly options: AttemptTimersOptions) {
    this.timers = options.timers ?? globalTimers;
    this.startTimer = this.timers.setTimeout(() => this.recordStart(), options.startDelayMs);
    const { timeoutMs } = options;
    this.timeoutTimer = timeoutMs
      ? this.timers.setTimeout(() => {
          this.expired = true;
          this.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs)
      : undefined;
  }

  /** Aborted on timeout, or by `abort` (cancellation, shutdown). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True once the timeout aborted the signal (not a cancellation). */
  get timedOut(): boolean {
    return this.expired;
  }

  abort(reason: Error): void {
    this.controller.abort(reason);
  }

  /** Clears the timers, and records the start now if it has not been. Idempotent. */
  finish(): void {
    this.timers.clearTimeout(this.startTimer);
    if (this.timeoutTimer !== undefined) this.timers.clearTimeout(this.timeoutTimer);
    this.recordStart();
  }

  private recordStart(): void {
    if (this.startRecorded) return;
    this.startRecorded = true;
    this.options.recordStart();
  }
}
