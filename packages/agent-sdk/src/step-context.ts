import type { StepContext } from './agent';
import { toJson } from './to-json';
import { NonRetryableError } from './non-retryable-error';

/** A {@link StepContext} over the keys a step was given, recording its writes. */
export class RecordingStepContext implements StepContext {
  private readonly written = new Map<string, unknown>();

  constructor(private readonly readable: Readonly<Record<string, unknown>>) {}

  get(key: string): unknown {
    if (this.written.has(key)) return this.written.get(key);
    return Object.hasOwn(this.readable, key) ? this.readable[key] : undefined;
  }

  keys(): string[] {
    return [...new Set([...Object.keys(this.readable), ...this.written.keys()])];
  }

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0) throw new NonRetryableError('a context key must be a non-empty string');
    let json: unknown;
    try {
      json = toJson(value);
    } catch (error) {
      throw new NonRetryableError(`context value for "${key}" is not JSON-serialisable`, { cause: error });
    }
    this.written.set(key, json);
  }

  /** The writes, or undefined when there were none. */
  writes(): Record<string, unknown> | undefined {
    return this.written.size === 0 ? undefined : Object.fromEntries(this.written);
  }
}
