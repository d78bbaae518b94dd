import type { BatonHarness } from './baton-harness';

/** A small workflow an unrelated, well-behaved client keeps submitting while an attack runs. */
export const bystanderWorkflow = {
  name: 'bystander',
  steps: [
    { id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } },
    { id: 'b', agent: 'transform', needs: ['a'], input: { expression: 'n + 1', data: '{{ $steps.a.output }}' } },
  ],
};

export interface HostileOutcome<T> {
  /** What the attack returned. */
  result: T;
  /** The slowest `/healthz` answer seen while the attack ran, in milliseconds. */
  worstHealthMs: number;
  /** Answers to `/healthz` that were not 200. */
  unhealthy: number;
}

/**
 * Runs `attack` while probing `/healthz` every 20 ms, so a test can assert that the api never
 * froze (every answer within 100 ms) however hostile the request was.
 */
export async function whileProbingHealth<T>(baton: BatonHarness, attack: () => Promise<T>): Promise<HostileOutcome<T>> {
  let done = false;
  let worst = 0;
  let unhealthy = 0;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${baton.url}/healthz`).catch(() => undefined);
      await res?.arrayBuffer();
      worst = Math.max(worst, performance.now() - started);
      if (res?.status !== 200) unhealthy++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const result = await attack();
    return { result, worstHealthMs: worst, unhealthy };
  } finally {
    done = true;
    await probe;
  }
}

/**
 * Submits `count` bystander runs and waits for each: they must all succeed with the right output,
 * whatever another client is doing at the same time.
 */
export async function bystandersSucceed(baton: BatonHarness, count = 10, timeoutMs = 20_000): Promise<void> {
  const ids = await Promise.all(Array.from({ length: count }, (_, n) => baton.submit(bystanderWorkflow, { n })));
  const runs = await Promise.all(ids.map((id) => baton.waitFor(id, { timeoutMs })));
  const wrong = runs.filter((r, n) => r.status !== 'succeeded' || (r.output as { b?: unknown }).b !== n + 1);
  if (wrong.length > 0) throw new Error(`bystander runs went wrong: ${JSON.stringify(wrong.map((r) => ({ id: r.id, status: r.status, output: r.output, error: r.error })))}`);
}

/**
 * How slow `/healthz` may answer while an attack runs: 100 ms, or twice the slowest answer seen
 * under ordinary load when this machine is busier than that, plus 100 ms for the attack's own
 * request (its body must still be read and checked). The freezes this guards against lasted from
 * 0.6 s to 40 s; a loaded CI machine's scheduling noise must not fail the test.
 */
export async function healthBound(baton: BatonHarness): Promise<number> {
  let baseline = 0;
  for (let i = 0; i < 3; i++) baseline = Math.max(baseline, (await whileProbingHealth(baton, () => bystandersSucceed(baton, 5))).worstHealthMs);
  return Math.max(100, 2 * baseline) + 100;
}
