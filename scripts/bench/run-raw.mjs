// The raw BullMQ baseline: runs raw-bullmq.mjs as a child process and meters its CPU.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuMeter, pgrep } from './cpu.mjs';
import { log, REDIS_URL, ROOT } from './env.mjs';
import { redisPid } from './machine-info.mjs';
import { Child } from './procs.mjs';
import { state } from './teardown.mjs';

/** One raw mode ('burst' or 'paced'); the child waits for 'go' so its CPU is read over exactly the measured window. */
export async function runRaw(mode, { redis, cores, opts, remainingMs }) {
  const prefix = `rawbench_${randomBytes(5).toString('hex')}`;
  state.prefixes.push(prefix);
  const args = [join(ROOT, 'scripts/bench/raw-bullmq.mjs'), mode, '--prefix', prefix, '--redis', REDIS_URL, '--concurrency', String(opts.rawConcurrency), '--handshake'];
  if (mode === 'burst') args.push('--chains', String(opts.runs), '--timeout-ms', String(Math.min(120_000, Math.max(10_000, remainingMs() - 30_000))));
  else args.push('--rate', String(opts.rate), '--seconds', String(opts.pacedSeconds), '--timeout-ms', String(opts.pacedSeconds * 1000 + 30_000));
  const rp = await redisPid(redis);
  const child = new Child(`raw-bullmq ${mode}`, args, { cwd: ROOT, env: process.env });
  state.children.push(child);
  const lines = [];
  let onLine;
  child.proc.stdout.setEncoding('utf8');
  let buf = '';
  child.proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      onLine?.(l);
    }
  });
  child.proc.stderr.on('data', (d) => process.stderr.write(d));
  const waitFor = (pred, ms) =>
    new Promise((resolve, reject) => {
      const hit = lines.find(pred);
      if (hit) return resolve(hit);
      const t = setTimeout(() => reject(new Error(`raw-bullmq ${mode}: no answer within ${ms} ms\n${child.describe()}`)), ms);
      onLine = (l) => {
        if (pred(l)) {
          clearTimeout(t);
          onLine = undefined;
          resolve(l);
        }
      };
      child.exitPromise.then(() => {
        clearTimeout(t);
        reject(new Error(`raw-bullmq ${mode} exited early\n${child.describe()}`));
      });
    });
  const meter = new CpuMeter({ raw: () => [child.pid], redis: () => (rp ? [rp] : []), postgres: () => pgrep('postgres'), bench: () => [] });
  try {
    await waitFor((l) => l === 'RAW_READY', 20_000);
    log(`raw ${mode}: start`);
    const before = await meter.snapshot();
    child.proc.stdin.write('go\n');
    const line = await waitFor((l) => l.startsWith('RAW_JSON '), (mode === 'burst' ? 130 : opts.pacedSeconds + 40) * 1000);
    const after = await meter.snapshot();
    child.proc.stdin.write('exit\n');
    await Promise.race([child.exitPromise, sleep(10_000)]);
    const result = JSON.parse(line.slice('RAW_JSON '.length));
    result.cpu = CpuMeter.diff(before, after, cores);
    log(`raw ${mode}: ${result.completed_chains}/${result.chains} chains, ${result.steps_per_s} steps/s`);
    return result;
  } finally {
    await child.stop(3000);
    state.children.splice(state.children.indexOf(child), 1);
  }
}
