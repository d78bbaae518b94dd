#!/usr/bin/env node
// The baseline: raw BullMQ doing the shape of work Baton's burst and paced scenarios do, on the same
// Redis, with no Postgres at all. A chain is 3 no-op steps on one queue; the processor of step k
// adds step k+1 (Queue.add from inside the processor), as a Baton worker enqueues the next step.
//
//   node scripts/bench/raw-bullmq.mjs burst --chains 2000 [--concurrency 50]
//   node scripts/bench/raw-bullmq.mjs paced --rate 100 --seconds 20 [--concurrency 50]
//   options: --redis redis://127.0.0.1:6379  --prefix <key prefix>  --handshake
//
// burst: every chain added at once (64 adds in flight), steps/s = 3 × chains / (first add → last
//   step-3 completion).
// paced: `rate` chains per second for `seconds`; per chain, latency = add → step 3 completed; per
//   hop, step k done (its processor finished its work) → step k+1's processor started.
// Jobs get the same retention options Baton's step jobs get by default (removeOnComplete
// { age: 3600, count: 1000 }, removeOnFail { age: 86400, count: 5000 }, attempts 1); no priority.
//
// Prints one line `RAW_JSON {…}` on stdout, progress on stderr. With --handshake (used by bench.mjs,
// so it can read this process's CPU time over exactly the measured window) it prints `RAW_READY`,
// waits for a `go` line on stdin before starting, and after `RAW_JSON` waits for `exit` (or the end
// of stdin) before cleaning up. Every key under its prefix is deleted at the end.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { summarize, round } from './stats.mjs';

const argv = process.argv.slice(2);
const mode = argv[0];
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const has = (name) => argv.includes(`--${name}`);
if (mode !== 'burst' && mode !== 'paced') {
  console.error('usage: raw-bullmq.mjs burst|paced [--chains N] [--rate R --seconds S] [--concurrency C] [--redis URL] [--prefix P] [--handshake]');
  process.exit(2);
}
const redisUrl = opt('redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = opt('prefix', `rawbench_${randomBytes(4).toString('hex')}`);
const concurrency = Number(opt('concurrency', '50'));
const chains = mode === 'burst' ? Number(opt('chains', '2000')) : Math.round(Number(opt('rate', '100')) * Number(opt('seconds', '20')));
const rate = Number(opt('rate', '100'));
const timeoutMs = Number(opt('timeout-ms', String(mode === 'burst' ? 120_000 : Number(opt('seconds', '20')) * 1000 + 60_000)));
const handshake = has('handshake');
const STEPS = 3;
const QUEUE = 'chain';
const JOB_OPTS = { attempts: 1, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 86400, count: 5000 } };

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const lines = handshake ? createInterface({ input: process.stdin }) : undefined;
const waitLine = (want) =>
  new Promise((resolve) => {
    if (!lines) return resolve();
    const onLine = (l) => {
      if (l.trim() === want) {
        lines.off('line', onLine);
        resolve();
      }
    };
    lines.on('line', onLine);
    lines.once('close', resolve);
  });

async function deleteKeys(redis) {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

async function main() {
  // One shared connection, as a Baton worker shares one between its Worker and its queues.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: redis, prefix });
  queue.on('error', (e) => console.error('raw: queue error', e.message));

  const addedAt = new Float64Array(chains).fill(NaN); // just before the chain's first add
  const firstStart = new Float64Array(chains).fill(NaN); // step 1's processor started
  const doneAt = new Float64Array(chains).fill(NaN); // step 3 completed (BullMQ 'completed' event)
  const hops = [];
  let done = 0;
  let failed = 0;
  let lastDone = 0;
  let resolveAll;
  const allDone = new Promise((r) => (resolveAll = r));

  const worker = new Worker(
    QUEUE,
    async (job) => {
      const started = now();
      const { c, k, prevDone } = job.data;
      if (k === 1) firstStart[c] = started;
      else hops.push(started - prevDone);
      // the step's work: nothing
      if (k < STEPS) await queue.add(`step${k + 1}`, { c, k: k + 1, prevDone: now() }, JOB_OPTS);
      return null;
    },
    { connection: redis, prefix, concurrency },
  );
  worker.on('error', (e) => console.error('raw: worker error', e.message));
  worker.on('failed', (job, err) => {
    failed++;
    console.error(`raw: job ${job?.id} failed: ${err.message}`);
  });
  worker.on('completed', (job) => {
    if (job.data.k !== STEPS) return;
    const t = now();
    doneAt[job.data.c] = t;
    lastDone = t;
    if (++done === chains) resolveAll();
  });
  await worker.waitUntilReady();
  await queue.waitUntilReady();

  if (handshake) {
    process.stdout.write('RAW_READY\n');
    await waitLine('go');
  }

  const addChain = (c) => {
    addedAt[c] = now();
    return queue.add('step1', { c, k: 1, prevDone: 0 }, JOB_OPTS);
  };

  const t0 = now();
  let addsDoneAt = t0;
  const progress = setInterval(() => console.error(`raw ${mode}: ${done}/${chains} chains done`), 1000);
  let submitting;
  if (mode === 'burst') {
    // 64 adds in flight, like the HTTP submitters of Baton's burst
    let next = 0;
    submitting = Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < chains) await addChain(next++);
      }),
    ).then(() => (addsDoneAt = now()));
  } else {
    const interval = 1000 / rate;
    submitting = (async () => {
      const pending = [];
      for (let c = 0; c < chains; c++) {
        const due = t0 + c * interval;
        const wait = due - now();
        if (wait > 0.5) await sleep(wait);
        pending.push(addChain(c));
      }
      await Promise.all(pending);
      addsDoneAt = now();
    })();
  }
  let timer;
  const timedOut = await Promise.race([
    Promise.all([submitting, allDone]).then(() => false),
    new Promise((r) => (timer = setTimeout(() => r(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  clearInterval(progress);

  const wallMs = (timedOut ? now() : lastDone) - t0;
  const latencies = [];
  const toFirst = [];
  for (let c = 0; c < chains; c++) {
    if (Number.isFinite(doneAt[c])) latencies.push(doneAt[c] - addedAt[c]);
    if (Number.isFinite(firstStart[c])) toFirst.push(firstStart[c] - addedAt[c]);
  }
  const result = {
    mode,
    chains,
    steps_per_chain: STEPS,
    concurrency,
    completed_chains: done,
    failed_jobs: failed,
    timed_out: timedOut,
    wall_ms: round(wallMs, 1),
    steps_per_s: round((done * STEPS) / (wallMs / 1000), 1),
    chains_per_s: round(done / (wallMs / 1000), 1),
    add_rate_per_s: round(chains / ((addsDoneAt - t0) / 1000), 1),
    ...(mode === 'paced' ? { rate_per_s: rate, seconds: chains / rate } : {}),
    chain_latency_ms: summarize(latencies),
    hop_latency_ms: summarize(hops),
    first_step_start_ms: summarize(toFirst),
  };
  process.stdout.write(`RAW_JSON ${JSON.stringify(result)}\n`);
  if (handshake) await waitLine('exit');

  await worker.close(true).catch(() => undefined);
  await queue.close().catch(() => undefined);
  const deleted = await deleteKeys(redis).catch((e) => (console.error('raw: cleanup failed', e.message), 0));
  console.error(`raw ${mode}: deleted ${deleted} keys under ${prefix}:`);
  await redis.quit().catch(() => undefined);
  lines?.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('raw-bullmq failed:', err);
    process.exit(1);
  },
);
