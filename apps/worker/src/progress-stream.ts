import { globalTimers, type Timers } from './attempt-timers';

export interface ProgressStreamOptions {
  /** Records one coalesced piece of text (a `step.progress` event); a rejection is reported and the text dropped. */
  write(text: string): Promise<void>;
  onError(error: unknown): void;
  /** How long text gathers before it is written. @defaultValue 100 */
  intervalMs?: number;
  /** The most characters one write carries; more is written in several. @defaultValue 16384 */
  maxChars?: number;
  /** @defaultValue {@link globalTimers} */
  timers?: Timers;
}

/**
 * Coalesces an agent's `ctx.progress` text into one write per interval, one write at a time: a
 * stream of tokens costs a history row per ~100 ms, not per token, and a slow database makes the
 * pieces larger rather than the queue of writes longer.
 */
export class ProgressStream {
  private buffer = '';
  private timer: unknown;
  private writing: Promise<void> | undefined;
  private closing = false;
  private readonly timers: Timers;
  private readonly intervalMs: number;
  private readonly maxChars: number;

  constructor(private readonly options: ProgressStreamOptions) {
    this.timers = options.timers ?? globalTimers;
    this.intervalMs = options.intervalMs ?? 100;
    this.maxChars = options.maxChars ?? 16_384;
  }

  push(text: string): void {
    this.buffer += text;
    this.arm();
  }

  /** Writes what is left, after the write in flight; resolves when all is written (or dropped). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing || this.buffer.length > 0) {
      if (this.writing) await this.writing;
      else this.writeNext();
    }
  }

  private arm(): void {
    if (this.closing || this.timer !== undefined || this.writing || this.buffer.length === 0) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.writeNext();
    }, this.intervalMs);
  }

  private writeNext(): void {
    let end = Math.min(this.buffer.length, this.maxChars);
    // Never between the two halves of a surrogate pair: a lone half cannot be stored.
    if (end < this.buffer.length && end > 1 && /[\uD800-\uDBFF]/.test(this.buffer[end - 1]!)) end--;
    const text = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end);
    this.writing = this.options
      .write(text)
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => {
        this.writing = undefined;
        this.arm();
      });
  }
}
