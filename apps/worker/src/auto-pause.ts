import { z } from 'zod';

/** `BATON_AUTO_PAUSE`: pause an agent fleet-wide once this share of its attempts fail. */
export interface AutoPauseConfig {
  /** Failed (or timed-out) attempts over all finished ones, 0 < rate ≤ 1. */
  failureRate: number;
  /** The sliding window the rate is counted over, in ms. */
  windowMs: number;
  /** Attempts the window must hold before it may trip: a few failures of a quiet agent do not. */
  minSteps: number;
}

const DURATION = /^(\d{1,9})(ms|s|m)$/;
const MS = { ms: 1, s: 1000, m: 60_000 } as const;
const SHAPE = 'must be "failureRate=<0..1>,window=<n>(ms|s|m),minSteps=<n>", e.g. "failureRate=0.5,window=60s,minSteps=20"';

/** Parses `failureRate=0.5,window=60s,minSteps=20` (every field required). */
export const autoPauseSchema = z.string().transform((text, ctx): AutoPauseConfig => {
  const fields = new Map(text.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]));
  const rate = Number(fields.get('failureRate'));
  const window = DURATION.exec(fields.get('window') ?? '');
  const minSteps = Number(fields.get('minSteps'));
  const known = [...fields.keys()].every((k) => k === 'failureRate' || k === 'window' || k === 'minSteps');
  if (!known || !(rate > 0 && rate <= 1) || !window || !Number.isInteger(minSteps) || minSteps < 1 || minSteps > 1_000_000) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: SHAPE });
    return z.NEVER;
  }
  return { failureRate: rate, windowMs: Number(window[1]) * MS[window[2] as keyof typeof MS], minSteps };
});

/**
 * Counts each agent's finished attempts over a sliding window and says when its failure rate
 * passes the threshold: once, then the window starts again (the pause's resume is a fresh start).
 * One worker's view: each worker trips on what it ran, and the pause it asks for is fleet-wide.
 */
export class FailureRateTrip {
  private readonly windows = new Map<string, { at: number[]; failed: boolean[]; head: number; failures: number }>();

  constructor(private readonly config: AutoPauseConfig) {}

  /** Records an attempt's outcome at `now` (ms); answers the failure rate when it trips, else undefined. O(1) amortised. */
  record(agent: string, failed: boolean, now: number): number | undefined {
    let w = this.windows.get(agent);
    if (!w) this.windows.set(agent, (w = { at: [], failed: [], head: 0, failures: 0 }));
    const since = now - this.config.windowMs;
    while (w.head < w.at.length && w.at[w.head]! <= since) if (w.failed[w.head++]) w.failures--;
    // Drop what slid out once it is most of the arrays.
    if (w.head > 1024 && w.head * 2 > w.at.length) {
      w.at.splice(0, w.head);
      w.failed.splice(0, w.head);
      w.head = 0;
    }
    w.at.push(now);
    w.failed.push(failed);
    if (failed) w.failures++;
    const count = w.at.length - w.head;
    if (count < this.config.minSteps) return undefined;
    const rate = w.failures / count;
    if (rate < this.config.failureRate) return undefined;
    this.windows.delete(agent);
    return rate;
  }
}
