// The fault scenarios, in the order they run. Each gets the suite's context, strikes, and returns
// its runs and how to check them; random choices come from ctx.random (FAULTS_SEED).
import { setTimeout as sleep } from 'node:timers/promises';
import { checkScenario } from './checks.mjs';

/** A run whose `effect` step acts on the ledger (answering `holdMs` late; its output says which delivery it was), then an echo. */
export const effectFlow = (ledger, holdMs = 0, name = 'faults') => ({
  name,
  steps: [
    { id: 'effect', agent: 'http', input: { url: `${ledger.url}/effect?holdMs=${holdMs}`, method: 'POST', body: { at: 'now' }, timeoutMs: 600_000 } },
    { id: 'after', agent: 'echo', needs: ['effect'], input: { done: true } },
  ],
});

/** Keys whose effect is in flight now (arrived, not yet answered) at the ledger, by sending pid. */
function inFlight(ledger, runs, holdMs) {
  const now = Date.now();
  const byPid = new Map();
  for (const r of runs) {
    const last = ledger.arrivals(`${r.id}:effect`).at(-1);
    if (!last || !last.pid || now - last.at > holdMs - 300) continue;
    byPid.set(last.pid, [...(byPid.get(last.pid) ?? []), r]);
  }
  return [...byPid].sort((a, b) => b[1].length - a[1].length);
}

const arrived = (ledger, runs, n) => runs.filter((r) => ledger.arrivals(`${r.id}:effect`).length >= n).length;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const scenarios = [
  {
    name: 'worker SIGKILLed mid-step',
    async run(ctx) {
      const { ledger, client, fleet } = ctx;
      const hold = 4000;
      const runs = await client.submitMany(30, () => effectFlow(ledger, hold));
      await ledger.until(() => inFlight(ledger, runs, hold).length > 0 && arrived(ledger, runs, 1) >= 20, 30_000, 'effects in flight');
      const [pid] = inFlight(ledger, runs, hold)[0];
      const killedAt = Date.now();
      ctx.struck.add(pid);
      fleet.signal(fleet.workerByPid(pid), 'SIGKILL');
      // Its effects in flight: sent before the kill (some read here only after it), not yet answered;
      // those whose sender was still being looked up at the kill included.
      await ledger.settled();
      const killedDelivery = (r) => ledger.arrivals(`${r.id}:effect`).findIndex((a) => a.pid === pid && a.at > killedAt - (hold - 300));
      const lost = runs.filter((r) => killedDelivery(r) >= 0);
      const rerun = (r) => ledger.arrivals(`${r.id}:effect`)[killedDelivery(r) + 1];
      // Measured before the killed worker is restarted: the live ones must take its steps over.
      await ledger.until(() => lost.every(rerun), 30_000, 'the killed worker\'s steps running again');
      const recovery = lost.map((r) => rerun(r).at - killedAt);
      ctx.recovery.push(...recovery);
      const result = await checkScenario(ctx, runs, { replays: 'struck' });
      const max = Math.max(...recovery);
      if (max > 10_000) result.failures.push(`a killed worker's step ran again only after ${max} ms (> 10 s)`);
      return { ...result, figures: { ...result.figures, lostSteps: lost.length, recoveryMaxMs: max, recoveryMedianMs: median(recovery) } };
    },
  },
  {
    name: 'the same step killed over and over',
    async run(ctx) {
      const { ledger, client, fleet } = ctx;
      const run = await client.submit(effectFlow(ledger, 600_000, 'killed-over-and-over'));
      const key = `${run.id}:effect`;
      let kills = 0;
      let seen = 0;
      const deadline = Date.now() + 120_000;
      // Each time the step runs again, the worker running it is killed (and restarted, as a supervisor would).
      while (Date.now() < deadline) {
        const status = (await ctx.pool.query('SELECT status FROM runs WHERE id = $1', [run.id])).rows[0]?.status;
        if (status === 'failed' || status === 'succeeded') break;
        const arrivals = ledger.arrivals(key);
        const worker = arrivals.length > seen ? fleet.workerByPid(arrivals.at(-1).pid) : undefined;
        if (worker) {
          seen = arrivals.length;
          ctx.struck.add(worker.pid);
          fleet.signal(worker, 'SIGKILL');
          kills++;
          void fleet.heal().catch(() => undefined);
        }
        await sleep(200);
      }
      const result = await checkScenario(ctx, [run], { expect: 'failed', replays: 'struck' });
      const view = await fleet.apis[0].http.get(`/v1/runs/${run.id}`);
      const step = view.body?.steps?.find((s) => s.key === 'effect');
      if (step?.error?.code !== 'WORKER_LOST' || !/worker lost/.test(step.error.message)) result.failures.push(`the step ended ${step?.status} with ${JSON.stringify(step?.error)}, not WORKER_LOST`);
      return { ...result, figures: { ...result.figures, kills, error: step?.error?.code } };
    },
  },
  {
    name: 'worker SIGTERMed',
    async run(ctx) {
      const { ledger, client, fleet } = ctx;
      const hold = 2000;
      const runs = await client.submitMany(20, () => effectFlow(ledger, hold));
      await ledger.until(() => inFlight(ledger, runs, hold).length > 0, 30_000, 'effects in flight');
      const [pid, busy] = inFlight(ledger, runs, hold)[0];
      const worker = fleet.workerByPid(pid);
      fleet.signal(worker, 'SIGTERM');
      const code = await worker.exitPromise;
      const result = await checkScenario(ctx, runs, { replays: 'none' });
      if (code !== 0) result.failures.push(`the worker exited with ${code}, not 0`);
      return { ...result, figures: { ...result.figures, drained: busy.length, exit: code } };
    },
  },
  {
    name: 'worker SIGSTOPped past its lock, then resumed',
    async run(ctx) {
      const { ledger, client, fleet } = ctx;
      const hold = 2500;
      const runs = await client.submitMany(10, () => effectFlow(ledger, hold));
      await ledger.until(() => inFlight(ledger, runs, hold).length > 0, 30_000, 'effects in flight');
      const [pid, stopped] = inFlight(ledger, runs, hold)[0];
      const worker = fleet.workerByPid(pid);
      ctx.struck.add(pid);
      fleet.signal(worker, 'SIGSTOP');
      const stoppedAt = Date.now();
      // Another worker runs them again once the lock lapsed; resumed now, the paused one holds late results.
      await ledger.until(() => stopped.every((r) => ledger.arrivals(`${r.id}:effect`).length >= 2), 30_000, 'the paused worker\'s steps running again').finally(() => fleet.signal(worker, 'SIGCONT'));
      const pausedMs = Date.now() - stoppedAt;
      const result = await checkScenario(ctx, runs, { replays: 'struck' });
      let lateWins = 0;
      for (const r of stopped) {
        const view = await fleet.apis[0].http.get(`/v1/runs/${r.id}`);
        if (view.body?.steps?.find((s) => s.key === 'effect')?.output?.body?.delivery !== 2) lateWins++;
      }
      if (lateWins) result.failures.push(`${lateWins} late result(s) of the paused worker were recorded instead of the re-run's`);
      const fenced = worker.tail.filter((l) => l.includes('result fenced out')).length;
      return { ...result, figures: { ...result.figures, paused: stopped.length, pausedMs, fencedOut: fenced } };
    },
  },
  ...['restart', 'FLUSHALL'].map((how) => ({
    name: `Redis ${how === 'restart' ? 'restarted' : 'FLUSHALL'} with 50 runs in flight`,
    async run(ctx) {
      const { ledger, client, redis } = ctx;
      const runs = await client.submitMany(50, () => effectFlow(ledger, 1500));
      await ledger.until(() => arrived(ledger, runs, 1) >= 20, 30_000, 'effects in flight');
      if (how === 'restart') {
        client.outage = true;
        await redis.shutdown();
        await sleep(2000);
        await redis.start();
        await ctx.fleet.healthy(60_000);
        client.outage = false;
      } else {
        await ctx.redisClient.flushall();
      }
      return checkScenario(ctx, runs, { replays: 'any' });
    },
  })),
  {
    name: 'Postgres restarted with runs in flight',
    async run(ctx) {
      const { ledger, client, postgres } = ctx;
      const runs = await client.submitMany(50, () => effectFlow(ledger, 1500));
      await ledger.until(() => arrived(ledger, runs, 1) >= 20, 30_000, 'effects in flight');
      client.outage = true;
      await postgres.stopAsync('fast');
      // Submissions meanwhile get 503 and are retried with their key until Postgres is back.
      const during = client.submitMany(10, () => effectFlow(ledger, 0), 5);
      await sleep(3000);
      await postgres.startAsync();
      const more = await during;
      await ctx.fleet.healthy(60_000);
      client.outage = false;
      return checkScenario(ctx, [...runs, ...more], { replays: 'any' });
    },
  },
  {
    name: 'api SIGKILLed mid-submission, the client retrying with the same key',
    async run(ctx) {
      const { ledger, client, fleet } = ctx;
      let sent = 0;
      const submitting = client.submitMany(300, () => (sent++, effectFlow(ledger, 0)), 30);
      while (sent < 100) await sleep(10);
      fleet.signal(fleet.apis[0].child, 'SIGKILL');
      void fleet.heal().catch(() => undefined); // restarted as a supervisor would
      const runs = await submitting;
      return checkScenario(ctx, runs, { replays: 'none' });
    },
  },
  {
    name: '1,000 concurrent submissions over both apis',
    async run(ctx) {
      const { ledger, client } = ctx;
      const started = Date.now();
      const runs = await client.submitMany(1000, () => effectFlow(ledger, 0), 1000, 180_000);
      const acceptedMs = Date.now() - started;
      const result = await checkScenario(ctx, runs, { replays: 'none', timeoutMs: 240_000 });
      return { ...result, figures: { ...result.figures, acceptedInMs: acceptedMs, allFinalInMs: Date.now() - started } };
    },
  },
  {
    name: 'soak',
    async run(ctx) {
      const { ledger, client, fleet, random } = ctx;
      const seconds = ctx.soakSeconds;
      const rate = ctx.soakRate;
      const before = await ctx.resources();
      // A step running for (nearly) the whole soak on a worker that is never killed: it must run once.
      const long = await client.submit(effectFlow(ledger, Math.max(10_000, (seconds - 10) * 1000), 'long'));
      // Its sender known (looked up after it arrived): that worker is never the one killed.
      await ledger.until(() => ledger.arrivals(`${long.id}:effect`)[0]?.pid !== undefined, 120_000, 'the long step started');
      const longPid = ledger.arrivals(`${long.id}:effect`)[0].pid;
      const runs = [];
      const pending = [];
      const started = Date.now();
      let kills = 0;
      let nextKill = started + 30_000;
      for (let i = 0; Date.now() - started < seconds * 1000; i++) {
        const due = started + (i * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
        pending.push(client.submit(effectFlow(ledger, 200)).then((r) => runs.push(r)));
        if (Date.now() >= nextKill) {
          nextKill += 30_000;
          const candidates = fleet.workers.filter((w) => !w.exited && w.pid !== longPid);
          const victim = candidates[Math.floor(random() * candidates.length)];
          if (victim) {
            ctx.struck.add(victim.pid);
            fleet.signal(victim, 'SIGKILL');
            kills++;
            void fleet.heal().catch(() => undefined);
          }
        }
      }
      await Promise.all(pending);
      const result = await checkScenario(ctx, [...runs, long], { replays: 'struck', timeoutMs: Math.max(120_000, seconds * 1000) });
      const longArrivals = ledger.arrivals(`${long.id}:effect`).length;
      if (longArrivals !== 1) result.failures.push(`the long step on a live worker ran ${longArrivals} times`);
      const after = await ctx.resources();
      ctx.print(`  soak resources at start: ${JSON.stringify(before)}`);
      ctx.print(`  soak resources at end:   ${JSON.stringify(after)}`);
      return { ...result, figures: { ...result.figures, seconds, rate: runs.length / seconds, kills, longStepMs: (seconds - 10) * 1000, longStepRuns: longArrivals } };
    },
  },
];
