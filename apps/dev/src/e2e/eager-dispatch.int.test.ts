import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { defineAgent } from '@baton/agents';
import { queueName, stepJobId } from '@baton/queue';
import { z } from 'zod';
import { BatonHarness, type RunView } from '../testing/baton-harness';
import { waitFor } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

// What each attempt of `hold` saw: started, and whether its signal was aborted (cancel, timeout).
const seen = new Map<string, { started: number; aborted: boolean }>();
const hold = defineAgent({
  name: 'hold',
  description: 'Holds its step for ms milliseconds, or until its signal is aborted',
  input: z.object({ ms: z.number() }).passthrough(),
  run: async ({ ms }, ctx) => {
    const entry = { started: Date.now(), aborted: false };
    seen.set(`${ctx.runId}|${ctx.key}`, entry);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener('abort', () => {
        entry.aborted = true;
        clearTimeout(timer);
        resolve();
      });
    });
    return { held: ms };
  },
});

const chain = (name: string, steps: Array<{ agent: string; input: Record<string, unknown>; timeoutMs?: number }>) => ({
  name,
  steps: steps.map((s, i) => ({ id: `s${i + 1}`, ...s, ...(i > 0 ? { needs: [`s${i}`] } : {}) })),
});

/**
 * Whether BullMQ ever held the job of a step's first attempt: an eagerly run step never has one
 * (finished jobs are kept: removeOnComplete keeps the last 1,000).
 */
async function throughBullmq(baton: BatonHarness, runId: string, key: string, agent: string, attempt = 1): Promise<boolean> {
  return (await baton.redis.exists(`${baton.prefix}:${queueName(agent)}:${stepJobId(runId, key, attempt)}`)) === 1;
}

async function eagerDispatches(baton: BatonHarness, agent: string): Promise<number> {
  const text = await (await fetch(`${baton.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`baton_eager_dispatches_total{agent="${agent}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const stepOf = (run: RunView, key: string) => run.steps.find((s) => s.key === key)!;

describe('eager dispatch, one worker of concurrency 20', () => {
  let baton: BatonHarness;
  beforeAll(async () => {
    baton = await BatonHarness.start({ extraAgents: [hold] });
  });
  afterAll(() => baton.close());

  test('a 3-step echo chain: the first step through BullMQ, the next two run eagerly, counted', async () => {
    const id = await baton.submit(chain('eager-echo', [
      { agent: 'echo', input: { n: 1 } },
      { agent: 'echo', input: { n: '{{ $steps.s1.output.n + 1 }}' } },
      { agent: 'echo', input: { n: '{{ $steps.s2.output.n + 1 }}' } },
    ]));
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 's3')).toMatchObject({ status: 'succeeded', attempts: 1, output: { n: 3 } });
    expect(await throughBullmq(baton, id, 's1', 'echo')).toBe(true);
    expect(await throughBullmq(baton, id, 's2', 'echo')).toBe(false);
    expect(await throughBullmq(baton, id, 's3', 'echo')).toBe(false);
    // The fleet's counts reach the api's /metrics within about a second.
    await waitFor(async () => (await eagerDispatches(baton, 'echo')) >= 2, 10_000, 'baton_eager_dispatches_total{agent="echo"} did not reach 2');
  });

  test('cancelling a run aborts its eagerly running step', async () => {
    const id = await baton.submit(chain('eager-cancel', [{ agent: 'echo', input: {} }, { agent: 'hold', input: { ms: 60_000 } }]));
    await waitFor(async () => seen.has(`${id}|s2`), 20_000, 'the eager step did not start');
    expect(await throughBullmq(baton, id, 's2', 'hold')).toBe(false);
    expect((await baton.request('POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    const run = await baton.waitFor(id);
    expect(run.status).toBe('cancelled');
    await waitFor(async () => seen.get(`${id}|s2`)!.aborted, 10_000, 'the eager step was not aborted');
  });

  test("an eagerly running step's timeout fires as a BullMQ-run one's does", async () => {
    const id = await baton.submit(chain('eager-timeout', [{ agent: 'echo', input: {} }, { agent: 'hold', input: { ms: 60_000 }, timeoutMs: 500 }]));
    const run = await baton.waitFor(id, { timeoutMs: 20_000 });
    expect(run.status).toBe('failed');
    expect(stepOf(run, 's2').status).toBe('failed');
    expect(stepOf(run, 's2').error?.code).toMatch(/TIMEOUT/);
    expect(seen.get(`${id}|s2`)?.aborted).toBe(true);
    expect(await throughBullmq(baton, id, 's2', 'hold')).toBe(false);
  });

  test('a step whose agent has a fleet-wide concurrency limit goes through BullMQ', async () => {
    await baton.redis.hset(`${baton.prefix}:${queueName('hold')}:meta`, 'concurrency', '50');
    try {
      const id = await baton.submit(chain('eager-limited', [{ agent: 'echo', input: {} }, { agent: 'hold', input: { ms: 10 } }, { agent: 'echo', input: {} }]));
      expect((await baton.waitFor(id)).status).toBe('succeeded');
      expect(await throughBullmq(baton, id, 's2', 'hold')).toBe(true);
      // The echo after it has no limit: eager again.
      expect(await throughBullmq(baton, id, 's3', 'echo')).toBe(false);
    } finally {
      await baton.redis.hdel(`${baton.prefix}:${queueName('hold')}:meta`, 'concurrency');
    }
  });
});

test('a saturated worker sends successors through BullMQ; an eager chain yields to queued work every BATON_EAGER_MAX_CHAIN steps', async () => {
  const baton = await BatonHarness.start({ extraAgents: [hold], env: { WORKER_CONCURRENCY: '2', BATON_EAGER_MAX_CHAIN: '3' } });
  try {
    // Both hold slots busy: the hold step the echo makes ready waits in BullMQ.
    const busy = await Promise.all([1, 2].map(() => baton.submit(chain('busy', [{ agent: 'hold', input: { ms: 2500 } }]))));
    await waitFor(async () => busy.every((id) => seen.has(`${id}|s1`)), 20_000, 'the busy steps did not start');
    const id = await baton.submit(chain('saturated', [{ agent: 'echo', input: {} }, { agent: 'hold', input: { ms: 10 } }]));
    const run = await baton.waitFor(id, { timeoutMs: 20_000 });
    expect(run.status).toBe('succeeded');
    expect(await throughBullmq(baton, id, 's2', 'hold')).toBe(true);
    // It could start only once a busy step had finished.
    expect(seen.get(`${id}|s2`)!.started).toBeGreaterThanOrEqual(Math.min(...busy.map((b) => seen.get(`${b}|s1`)!.started)) + 2400);

    // Fairness: a long chain and, queued meanwhile, short runs. The chain never holds the last
    // slot (BullMQ keeps one), and every fourth step of it goes to the back of the queue.
    const long = await baton.submit(chain('long', Array.from({ length: 12 }, () => ({ agent: 'hold', input: { ms: 150 } }))));
    await waitFor(async () => seen.has(`${long}|s2`), 20_000, 'the long chain did not start');
    const short = await Promise.all(Array.from({ length: 6 }, () => baton.submit(chain('short', [{ agent: 'hold', input: { ms: 150 } }]))));
    const shortRuns = await Promise.all(short.map((s) => baton.waitFor(s, { timeoutMs: 30_000 })));
    const longRun = await baton.waitFor(long, { timeoutMs: 30_000 });
    expect(longRun.status).toBe('succeeded');
    expect(shortRuns.map((r) => r.status)).toEqual(short.map(() => 'succeeded'));
    const lastShort = Math.max(...shortRuns.map((r) => Date.parse(r.finishedAt!)));
    expect(lastShort).toBeLessThan(Date.parse(longRun.finishedAt!));
    const viaBullmq = await Promise.all(longRun.steps.map((s) => throughBullmq(baton, long, s.key, 'hold')));
    // s1 from the api; then at most 3 eager steps in a row.
    expect(viaBullmq[0]).toBe(true);
    for (let i = 0; i + 3 < viaBullmq.length; i++) expect(viaBullmq.slice(i, i + 4)).toContain(true);
    expect(viaBullmq.filter((b) => !b).length).toBeGreaterThan(0);
  } finally {
    await baton.close();
  }
});

test('a worker killed in the middle of an eagerly run step: its lease lapses, the step runs again, the run completes', async () => {
  const baton = await BatonHarness.start({ workers: 0, reconcileEveryMs: 300, env: { WORKER_LOCK_MS: '1500' } });
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, [join(__dirname, '../../../worker/dist/main.js')], { env: { ...process.env, ...baton.env }, stdio: 'ignore' });
    await waitFor(async () => {
      const agents = await baton.request('GET', '/v1/agents');
      return agents.body.items.some((a: { name: string; workers: number }) => a.name === 'delay' && a.workers > 0);
    }, 60_000, 'the worker process did not register');
    const id = await baton.submit(chain('eager-killed', [
      { agent: 'echo', input: { value: 1 } },
      { agent: 'delay', input: { ms: 3000, value: 'done' } },
      { agent: 'echo', input: { value: '{{ $steps.s2.output }}' } },
    ]));
    const lease = `${baton.prefix}:${queueName('delay')}:${stepJobId(id, 's2', 1)}:eager`;
    await waitFor(async () => (await baton.redis.exists(lease)) === 1, 30_000, 'the second step did not run eagerly');
    expect(await throughBullmq(baton, id, 's2', 'delay')).toBe(false);
    child.kill('SIGKILL');
    await baton.startWorker();
    const run = await baton.waitFor(id, { timeoutMs: 40_000 });
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ s3: { value: 'done' } });
    // Run again through BullMQ by the reconciler, as the same attempt.
    expect(await throughBullmq(baton, id, 's2', 'delay')).toBe(true);
  } finally {
    child?.kill('SIGKILL');
    await baton.close();
  }
});
