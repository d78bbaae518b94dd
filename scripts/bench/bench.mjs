#!/usr/bin/env node
// Baton against raw BullMQ, in one run, on this machine's Redis and Postgres.
//
//   npm run bench                         (builds first; the whole run stays under 6 minutes)
//   node scripts/bench/bench.mjs [options] (after `npm run build`)
//
// Options:
//   --workers N          worker processes (default 1)
//   --concurrency C      WORKER_CONCURRENCY of each Baton worker (default 100, the worker default)
//   --raw-concurrency C  concurrency of the raw BullMQ baseline (default 50, as issue 4 defines it)
//   --only a,b,…         scenarios to run: raw, burst, paced, fanout, wide, payload, bulk, scale
//                        (default all; burst, paced and scale also run their raw baseline, for the
//                        ratios; scale starts one more worker process and runs the burst again, last)
//   --runs N             burst runs, and raw burst chains (default 2000)
//   --rate R             paced runs (and raw chains) per second (default 100)
//   --paced-seconds S    paced duration, Baton and raw (default 20)
//   --soak               Baton's paced scenario lasts 180 s, sampling worker RSS and Redis memory
//                        every 10 s (raw paced keeps --paced-seconds)
//   --items N            fan-out items (default 5000)
//   --dag-runs N         wide-DAG runs (default 200); --dag-width W middle steps (default 48)
//   --payload-mb M       payload size in MB (default 10). The blob is made inside the workflow (a
//                        `transform` step outputs it); --payload-input sends it as the run's input
//                        instead (the api runs with BODY_LIMIT=20mb for that)
//   --bulk-runs N        1-step runs bulk admits through POST /v1/runs/batch, 1,000 a request
//                        (default 20000)
//   --budget S           seconds the scenarios may take in all (default 330, +180 with --soak);
//                        a scenario that would overrun it is skipped, timeouts shrink to fit
//   --env K=V            extra environment for the api and the workers (repeatable), e.g.
//                        --env DB_POOL_SIZE=20
//   --auth MODE          how the bench client authenticates: `key` (default, the production shape:
//                        the api gets BATON_ADMIN_KEY and BATON_KEY_PEPPER, the bench creates a
//                        submitter API key and sends it on every request, through the rate limiter)
//                        or `open` (no credentials and BATON_RATE_LIMIT_PER_MINUTE=0: no limiter); the difference
//                        between two runs is what auth and rate limiting cost
//   --cpu-prof DIR       run the api and workers under `node --cpu-prof`, writing api.cpuprofile and
//                        worker-N.cpuprofile to DIR when they stop (`node scripts/bench/top-self.mjs FILE`
//                        lists the top self-time functions)
//   --save               write the JSON to bench/results/<YYYY-MM-DD>.json; --out FILE elsewhere
//
// Environment: BENCH_TRACING=1 runs Baton with tracing on: a local OTLP sink (otlp-sink.mjs) in this
// process receives the spans, and the api and workers get OTEL_EXPORTER_OTLP_ENDPOINT pointing at it.
//
// What it does: creates its own database (createTestDatabase of @baton/db/testing) and Redis key
// prefix, starts `apps/api/dist/main.js` and N × `apps/worker/dist/main.js` as separate processes,
// runs raw BullMQ (scripts/bench/raw-bullmq.mjs, a child process, its own prefix, no Postgres) and
// then the Baton scenarios over HTTP, reading results from Postgres. Prints a table and one
// `BENCH_JSON {…}` line. Everything it created is removed at the end, on failure and on Ctrl-C too.
// Progress goes to stderr. Exit code 1 when a scenario errored, timed out or computed a wrong result
// (CHECK FAILED); missed targets are not failures: they are figures.
//
// How figures are taken:
// - Baton latencies come from the rows (runs.created_at/finished_at, steps.started_at/finished_at),
//   which hold JS Dates: whole milliseconds. The raw baseline measures with performance.now().
// - burst/wide: wall time from the first submission until a 50 ms poll of Postgres sees every run
//   final; steps/s counts succeeded runs × steps per run.
// - CPU: utime+stime from /proc/<pid>/stat before and after each scenario for the api, the workers,
//   redis-server, the Postgres processes serving the bench database plus its background processes,
//   and this process; "other" is the machine's busy time (/proc/stat) nobody of those accounts for:
//   other programs on the box. When it is large, the run was disturbed (a WARNING line says so).
// - payload: the blob is 'x' repeated, so Postgres compresses it well; step c computes
//   $length($steps.b.output.blob) to check that a consumer sees the value (CHECK FAILED if not).
//
// Layout: this file parses options, runs the scenarios in order and prints; run-raw.mjs and
// start-baton.mjs run the processes, scenarios/ holds one Baton scenario a file, report.mjs renders,
// teardown.mjs undoes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CpuMeter, formatCpuSplit } from './cpu.mjs';
import { startOtlpSink } from './otlp-sink.mjs';
import { log, REDIS_URL, ROOT } from './env.mjs';
import { gitInfo, machineInfo } from './machine-info.mjs';
import { buildReport, renderReport } from './report.mjs';
import { runRaw } from './run-raw.mjs';
import { bulk } from './scenarios/bulk.mjs';
import { burst } from './scenarios/burst.mjs';
import { fanout } from './scenarios/fanout.mjs';
import { paced } from './scenarios/paced.mjs';
import { payload } from './scenarios/payload.mjs';
import { wide } from './scenarios/wide.mjs';
import { assertAlive, batonCpuMeter, startBaton } from './start-baton.mjs';
import { round } from './stats.mjs';
import { installCleanupHandlers, state, teardown } from './teardown.mjs';

const SCENARIOS = ['raw', 'burst', 'paced', 'fanout', 'wide', 'payload', 'bulk', 'scale'];

function parseArgs(argv) {
  const o = {
    workers: 1, concurrency: 100, rawConcurrency: 50, only: SCENARIOS, runs: 2000, rate: 100, pacedSeconds: 20, soak: false, items: 5000,
    dagRuns: 200, dagWidth: 48, bulkRuns: 20000, payloadMb: 10, payloadGenerated: true, budget: undefined, env: {}, save: false, out: undefined, cpuProf: undefined,
    tracing: process.env.BENCH_TRACING === '1', auth: 'key',
  };
  const num = (name, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') && a.startsWith('--') && !a.startsWith('--env') ? a.split(/=(.*)/s) : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--workers': o.workers = Math.round(num('workers', val())); break;
      case '--concurrency': o.concurrency = Math.round(num('concurrency', val())); break;
      case '--raw-concurrency': o.rawConcurrency = Math.round(num('raw-concurrency', val())); break;
      case '--only': {
        const list = val().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((s) => !SCENARIOS.includes(s));
        if (bad.length) throw new Error(`--only: unknown scenario ${bad.join(', ')} (known: ${SCENARIOS.join(', ')})`);
        o.only = list;
        break;
      }
      case '--runs': o.runs = Math.round(num('runs', val())); break;
      case '--rate': o.rate = num('rate', val()); break;
      case '--paced-seconds': o.pacedSeconds = num('paced-seconds', val()); break;
      case '--soak': o.soak = true; break;
      case '--items': o.items = Math.round(num('items', val())); break;
      case '--dag-runs': o.dagRuns = Math.round(num('dag-runs', val())); break;
      case '--dag-width': o.dagWidth = Math.round(num('dag-width', val())); break;
      case '--bulk-runs': o.bulkRuns = Math.round(num('bulk-runs', val())); break;
      case '--payload-mb': o.payloadMb = num('payload-mb', val()); break;
      case '--payload-generated': o.payloadGenerated = true; break;
      case '--payload-input': o.payloadGenerated = false; break;
      case '--budget': o.budget = num('budget', val()); break;
      case '--env': {
        const kv = a.startsWith('--env=') ? a.slice(6) : argv[++i];
        const eq = kv?.indexOf('=') ?? -1;
        if (eq <= 0) throw new Error(`--env needs KEY=VALUE, got ${JSON.stringify(kv)}`);
        o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--auth': {
        o.auth = val();
        if (!['key', 'open'].includes(o.auth)) throw new Error(`--auth needs key or open, got ${JSON.stringify(o.auth)}`);
        break;
      }
      case '--cpu-prof': o.cpuProf = val(); break;
      case '--save': o.save = true; break;
      case '--out': o.out = val(); break;
      case '-h':
      case '--help':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 38).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  o.budget ??= 330 + (o.soak ? 180 : 0);
  o.soakSeconds = 180;
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
installCleanupHandlers();
const selected = (name) => opts.only.includes(name);
const benchStart = performance.now();
const deadline = benchStart + opts.budget * 1000;
const remainingMs = () => deadline - performance.now();
// A scenario's timeout shrinks so the whole run stays within --budget.
const scenarioTimeout = (defaultMs) => Math.max(5_000, Math.min(defaultMs, remainingMs() - 15_000));

async function main() {
  log(`bench: ${JSON.stringify({ ...opts, only: opts.only.join(',') })}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  state.redis = redis;
  const cores = os.cpus().length;
  const machine = await machineInfo(redis);
  const git = gitInfo();
  const results = { raw: {}, baton: {} };

  // 1. the baseline, before Baton's processes exist, so nothing else shares the box
  const rawModes = [];
  if (selected('raw') || selected('burst') || selected('scale')) rawModes.push('burst');
  if (selected('raw') || selected('paced')) rawModes.push('paced');
  for (const mode of rawModes) {
    try {
      results.raw[mode] = await runRaw(mode, { redis, cores, opts, remainingMs });
    } catch (err) {
      log(`raw ${mode} failed: ${err.message}`);
      results.raw[mode] = { error: err.message };
    }
    await sleep(500);
  }

  // 2. Baton
  const batonScenarios = ['burst', 'paced', 'fanout', 'wide', 'payload', 'bulk', 'scale'].filter(selected);
  let sink;
  if (batonScenarios.length) {
    if (opts.tracing) {
      sink = await startOtlpSink();
      opts.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink.url;
      log(`tracing: on, spans exported to the sink at ${sink.url}`);
    }
    let baton;
    try {
      baton = await startBaton(opts);
    } catch (err) {
      log(`baton setup failed: ${err.stack ?? err}`);
      results.baton.setup = { error: err.message };
    }
    if (baton) {
      const meter = await batonCpuMeter(baton, redis);
      const ctx = { opts, pool: baton.pool, redis, baton, timeoutMs: scenarioTimeout, mark: () => undefined };
      const scenarios = { burst, paced, fanout, wide, payload, bulk, scale: (c) => burst(c, 'bench-burst-scale') };
      const minSeconds = { burst: 20, paced: (opts.soak ? opts.soakSeconds : opts.pacedSeconds) + 15, fanout: 15, wide: 15, payload: 15, bulk: 30, scale: 30 };
      for (const name of batonScenarios) {
        if (remainingMs() < minSeconds[name] * 1000) {
          results.baton[name] = { skipped: `time budget: ${Math.round(remainingMs() / 1000)} s left of --budget ${opts.budget}` };
          log(`${name}: skipped (time budget)`);
          continue;
        }
        try {
          assertAlive(baton);
        } catch (err) {
          results.baton[name] = { skipped: `Baton is down: ${err.message.split('\n')[0]}` };
          continue;
        }
        log(`--- ${name}`);
        if (name === 'scale') {
          try {
            await baton.addWorker();
          } catch (err) {
            results.baton[name] = { error: `a worker more did not start: ${err.message}` };
            continue;
          }
        }
        const before = await meter.snapshot();
        let after;
        // a scenario marks the end of its measured window, so its read-back queries stay out of the CPU figures
        ctx.mark = () => {
          after ??= meter.snapshot();
        };
        try {
          results.baton[name] = { ...(await scenarios[name](ctx)), workers: baton.workers.length };
        } catch (err) {
          log(`${name} failed: ${err.stack ?? err}`);
          results.baton[name] = { error: err.message };
        }
        results.baton[name].cpu = CpuMeter.diff(before, await (after ?? meter.snapshot()), cores);
        log(`${name}: cpu ${formatCpuSplit(results.baton[name].cpu)}`);
        await sleep(1000);
      }
    }
  }

  // 3. report
  const report = buildReport(results, opts);
  const { ratios, targets, noisy, cpuPerRun } = report;
  const out = {
    date: new Date().toISOString(),
    git,
    machine,
    options: { workers: opts.workers, concurrency: opts.concurrency, only: opts.only, runs: opts.runs, rate: opts.rate, paced_seconds: opts.soak ? opts.soakSeconds : opts.pacedSeconds, raw_paced_seconds: opts.pacedSeconds, soak: opts.soak, items: opts.items, bulk_runs: opts.bulkRuns, dag_runs: opts.dagRuns, dag_width: opts.dagWidth, payload_mb: opts.payloadMb, env: opts.env, tracing: opts.tracing, auth: opts.auth },
    raw: results.raw,
    baton: results.baton,
    ratios,
    cpu_ms_per_run: cpuPerRun,
    targets,
    ...(sink ? { tracing_sink: sink.counts } : {}),
    ...(noisy.length ? { noise_warning: `CPU used by processes outside the benchmark (share of all CPU used): ${noisy.join(', ')}` } : {}),
    bench_seconds: round((performance.now() - benchStart) / 1000, 1),
  };
  process.stdout.write(renderReport({ machine, git, opts, report }));
  const line = JSON.stringify(out);
  if (opts.save || opts.out) {
    const file = opts.out ? resolve(opts.out) : join(ROOT, 'bench/results', `${out.date.slice(0, 10)}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`saved ${file}`);
  }
  process.stdout.write(`BENCH_JSON ${line}\n`);
  const failed = Object.values(results.baton).some((r) => r?.error || r?.timed_out || r?.check) || Object.values(results.raw).some((r) => r?.error);
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`bench failed: ${err.stack ?? err}`);
} finally {
  await teardown();
}
process.exit(code);
