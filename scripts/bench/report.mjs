// The report: table rows and target checks from the results, and the text printed to stdout.
import { fmtCounts } from './scenarios/wait-runs.mjs';
import { fmtBytes, fmtMs, ratio, round, table } from './stats.mjs';

/** Rows for the figures table and the CPU table, the ratios to raw, the targets, and noisy scenarios. */
export function buildReport(res, opts) {
  const rows = [];
  const raw = res.raw ?? {};
  const b = res.baton ?? {};
  const ratios = {
    burst_steps: ratio(b.burst?.steps_per_s, raw.burst?.steps_per_s),
    scale_steps: ratio(b.scale?.steps_per_s, raw.burst?.steps_per_s),
    paced_p50: ratio(b.paced?.run_latency_ms?.p50, raw.paced?.chain_latency_ms?.p50),
    paced_p95: ratio(b.paced?.run_latency_ms?.p95, raw.paced?.chain_latency_ms?.p95),
    paced_p99: ratio(b.paced?.run_latency_ms?.p99, raw.paced?.chain_latency_ms?.p99),
    hop_p50: ratio(b.paced?.hop_latency_ms?.p50, raw.paced?.hop_latency_ms?.p50),
    hop_p99: ratio(b.paced?.hop_latency_ms?.p99, raw.paced?.hop_latency_ms?.p99),
  };
  const check = (ok, text) => (ok === undefined || ok === null ? `${text} ?` : `${text} ${ok ? 'ok' : 'MISSED'}`);
  const targets = {};
  const t = (key, value, pass, text) => {
    if (value === undefined || value === null) return '';
    targets[key] = { value, pass, target: text };
    return check(pass, text);
  };
  const fmtX = (v) => (v === null || v === undefined ? '' : `${v}×`);
  const cpuRows = [];
  const cpuRow = (scenario, r) => {
    if (!r?.cpu) return;
    const g = r.cpu.groups;
    const cell = (name) => (g[name] ? `${g[name].cpu_s.toFixed(2)}s ${Math.round(g[name].share_pct)}%` : '');
    cpuRows.push([scenario, `${r.cpu.wall_s.toFixed(1)} s`, cell('raw'), cell('api'), cell('workers'), cell('redis'), cell('postgres'), cell('bench'), cell('other'), `${r.cpu.machine_busy_pct}%`]);
  };
  // CPU milliseconds per run (or per raw chain) of each group that does the work; the bench client is left out.
  const perRun = (r, n, groups) => {
    if (!r?.cpu || !n) return undefined;
    const ms = Object.fromEntries(groups.map((g) => [g, round((1000 * (r.cpu.groups[g]?.cpu_s ?? 0)) / n, 2)]));
    return { ...ms, total: round(Object.values(ms).reduce((x, y) => x + y, 0), 2) };
  };
  const fmtPerRun = (ms) => Object.entries(ms).map(([g, v]) => `${g} ${v}`).join(' · ');
  const BATON_GROUPS = ['api', 'workers', 'redis', 'postgres'];
  const cpuPerRun = {};
  const note = (scenario, r) => {
    if (r?.skipped) rows.push([scenario, 'skipped', r.skipped, '', '']);
    if (r?.error) rows.push([scenario, 'ERROR', String(r.error).split('\n')[0].slice(0, 160), '', '']);
    if (r?.timed_out) rows.push([scenario, 'TIMED OUT', `status: ${fmtCounts(r.status ?? r.step_status ?? {})}`, '', '']);
    if (r?.check) rows.push([scenario, 'CHECK FAILED', r.check, '', '']);
    if (r?.run_error) rows.push([scenario, `run ${r.run_status}`, `${r.run_error.code ?? ''}: ${r.run_error.message ?? JSON.stringify(r.run_error)}`.slice(0, 160), '', '']);
    const errs = r?.submit?.errors;
    if (errs) rows.push([scenario, 'submit errors', JSON.stringify(errs).slice(0, 160), '', '']);
  };

  if (raw.burst) {
    const r = raw.burst;
    note('raw burst', r);
    rows.push(['raw burst', 'steps/s', `${r.steps_per_s} (${r.completed_chains} chains × 3 in ${round(r.wall_ms / 1000, 2)} s)`, '1×', '']);
    cpuPerRun.raw_burst = perRun(r, r.completed_chains, ['raw', 'redis']);
    if (cpuPerRun.raw_burst) rows.push(['raw burst', 'CPU ms per chain', fmtPerRun(cpuPerRun.raw_burst), '', '']);
    cpuRow('raw burst', r);
  }
  if (raw.paced) {
    const r = raw.paced;
    note('raw paced', r);
  }
  // A failed raw run has no latencies: its note above says why.
  if (raw.paced?.chain_latency_ms) {
    const r = raw.paced;
    rows.push(['raw paced', 'chain latency p50/p95/p99', `${fmtMs(r.chain_latency_ms.p50)} / ${fmtMs(r.chain_latency_ms.p95)} / ${fmtMs(r.chain_latency_ms.p99)}`, '1×', '']);
    rows.push(['raw paced', 'hop latency p50/p99', `${fmtMs(r.hop_latency_ms.p50)} / ${fmtMs(r.hop_latency_ms.p99)}`, '1×', '']);
    rows.push(['raw paced', 'add → first step p50/p99', `${fmtMs(r.first_step_start_ms.p50)} / ${fmtMs(r.first_step_start_ms.p99)}`, '', '']);
    cpuRow('raw paced', r);
  }
  if (b.setup?.error) rows.push(['baton', 'SETUP FAILED', String(b.setup.error).split('\n')[0].slice(0, 200), '', '']);
  const burstRows = (key, label, r) => {
    note(label, r);
    if (r.steps_per_s !== undefined) {
      const ratioKey = `${key}_steps`;
      rows.push([label, 'durable steps/s', `${r.steps_per_s} (${r.status?.succeeded ?? 0} runs × 3 in ${round(r.wall_ms / 1000, 2)} s)`, fmtX(ratios[ratioKey]), t(`${key}_ratio`, ratios[ratioKey], ratios[ratioKey] >= 0.5, '≥ 0.5×')]);
      rows.push([label, 'runs/s', r.runs_per_s, '', '']);
      rows.push([label, 'submit rate (runs/s accepted)', `${r.submit.submit_rate_per_s} (HTTP p50 ${fmtMs(r.submit.http_ms.p50)}, p99 ${fmtMs(r.submit.http_ms.p99)})`, '', '']);
      if (r.drain_after_last_accept_ms !== null) rows.push([label, 'last accepted → all succeeded', fmtMs(r.drain_after_last_accept_ms), '', '']);
      if (r.step_queue_wait_ms?.n) rows.push([label, 'step queue wait p50/p99', `${fmtMs(r.step_queue_wait_ms.p50)} / ${fmtMs(r.step_queue_wait_ms.p99)}`, '', '']);
      cpuPerRun[key] = perRun(r, r.status?.succeeded, BATON_GROUPS);
      if (cpuPerRun[key]) {
        const total = cpuPerRun[key].total;
        rows.push([label, 'CPU ms per durable run', fmtPerRun(cpuPerRun[key]), cpuPerRun.raw_burst ? fmtX(round(total / cpuPerRun.raw_burst.total, 2)) : '', t(`${key}_cpu_per_run`, total, total <= 1.2, '≤ 1.2 ms')]);
      }
      if (r.lock_waits) rows.push([label, 'Postgres lock waits', `${r.lock_waits.waits_per_s}/s (${r.lock_waits.waits} waits; waiting backends mean ${r.lock_waits.waiting_backends_mean}, max ${r.lock_waits.waiting_backends_max})`, '', '']);
    }
    cpuRow(label, r);
  };
  if (b.burst) burstRows('burst', 'burst', b.burst);
  if (b.paced) {
    const r = b.paced;
    note('paced', r);
    if (r.run_latency_ms) {
      rows.push(['paced', `run latency p50/p95/p99 (${r.rate_per_s}/s × ${r.seconds} s)`, `${fmtMs(r.run_latency_ms.p50)} / ${fmtMs(r.run_latency_ms.p95)} / ${fmtMs(r.run_latency_ms.p99)}`, `${fmtX(ratios.paced_p50)} / ${fmtX(ratios.paced_p95)} / ${fmtX(ratios.paced_p99)}`, '']);
      rows.push(['paced', 'hop latency p50', fmtMs(r.hop_latency_ms.p50), fmtX(ratios.hop_p50), t('hop_p50', r.hop_latency_ms.p50, r.hop_latency_ms.p50 <= 3, '≤ 3 ms')]);
      rows.push(['paced', 'hop latency p99', fmtMs(r.hop_latency_ms.p99), fmtX(ratios.hop_p99), t('hop_p99', r.hop_latency_ms.p99, r.hop_latency_ms.p99 <= 20, '≤ 20 ms')]);
      rows.push(['paced', 'submission → first step p50/p99', `${fmtMs(r.first_step_start_ms.p50)} / ${fmtMs(r.first_step_start_ms.p99)}`, '', t('first_step_p50', r.first_step_start_ms.p50, r.first_step_start_ms.p50 <= 5, 'p50 ≤ 5 ms')]);
      rows.push(['paced', 'submit HTTP p50/p99', `${fmtMs(r.submit.http_ms.p50)} / ${fmtMs(r.submit.http_ms.p99)} (${r.achieved_submit_rate_per_s} runs/s sent)`, '', '']);
      const m = r.memory;
      rows.push(['paced', 'worker RSS start → end', `${fmtBytes(m.start.worker_rss_bytes)} → ${fmtBytes(m.end.worker_rss_bytes)} (${m.worker_rss_growth_bytes >= 0 ? '+' : ''}${fmtBytes(m.worker_rss_growth_bytes)})`, '', opts.soak ? 'flat?' : '']);
      if (r.memory_series?.length > 1) {
        const first = r.memory_series[0];
        const rssAll = r.memory_series.map((p) => p.worker_rss_bytes);
        rows.push(['paced', `worker RSS at ${first.t_s} s → end (min/max)`, `${fmtBytes(first.worker_rss_bytes)} → ${fmtBytes(m.end.worker_rss_bytes)} (${fmtBytes(Math.min(...rssAll))} / ${fmtBytes(Math.max(...rssAll))})`, '', 'flat?']);
        rows.push(['paced', `Redis used_memory at ${first.t_s} s → end`, `${fmtBytes(first.redis_used_memory_bytes)} → ${fmtBytes(m.end.redis_used_memory_bytes)}`, '', 'flat?']);
      }
      rows.push(['paced', 'Redis used_memory start → end', `${fmtBytes(m.start.redis_used_memory_bytes)} → ${fmtBytes(m.end.redis_used_memory_bytes)} (${m.redis_growth_bytes >= 0 ? '+' : ''}${fmtBytes(m.redis_growth_bytes)})`, '', opts.soak ? 'flat?' : '']);
    }
    cpuRow('paced', r);
  }
  if (b.fanout) {
    const r = b.fanout;
    note('fan-out', r);
    if (r.wall_ms !== undefined) {
      rows.push(['fan-out', `steps/s (${r.items} items + join)`, `${r.steps_per_s ?? 'n/a'} (run ${r.run_status} in ${round(r.wall_ms / 1000, 2)} s)`, '', t('fanout_steps', r.steps_per_s, r.steps_per_s >= 2000, '≥ 2000/s')]);
    }
    cpuRow('fan-out', r);
  }
  if (b.wide) {
    const r = b.wide;
    note('wide DAG', r);
    if (r.steps_per_s !== undefined) rows.push(['wide DAG', `steps/s (${r.runs} runs × ${r.steps_per_run} steps)`, `${r.steps_per_s} (${r.status?.succeeded ?? 0} runs in ${round(r.wall_ms / 1000, 2)} s)`, '', '']);
    cpuRow('wide DAG', r);
  }
  if (b.payload) {
    const r = b.payload;
    note('payload', r);
    if (r.wall_ms !== undefined) {
      const ok = r.run_status === 'succeeded';
      rows.push(['payload', `time to ${r.run_status ?? 'end'} (${round(r.size_bytes / 1e6, 1)} MB output × 3 steps)`, `${round(r.wall_ms / 1000, 2)} s (submit ${fmtMs(r.submit_ms)})`, '', '']);
      const g = r.redis_memory?.peak_growth_bytes;
      rows.push(['payload', 'Redis peak memory growth', `${fmtBytes(g)}${ok ? '' : ' (run did not succeed)'}`, '', ok ? t('payload_redis_growth', g, g !== null && g < r.size_bytes / 4, '< ¼ of payload (by reference)') : '']);
    }
    cpuRow('payload', r);
  }
  if (b.bulk) {
    const r = b.bulk;
    note('bulk', r);
    if (r.admitted_runs_per_s !== undefined) {
      rows.push(['bulk', `admitted runs/s (${r.runs} runs, batches of ${r.batch}, ${r.in_flight} in flight)`, `${r.admitted_runs_per_s} (${r.admitted} in ${round(r.admit_ms / 1000, 2)} s; batch HTTP p50 ${fmtMs(r.batch_http_ms.p50)}, p99 ${fmtMs(r.batch_http_ms.p99)})`, '', t('bulk_admission', r.admitted_runs_per_s, r.admitted_runs_per_s >= 10_000, '≥ 10,000 runs/s')]);
      cpuPerRun.bulk_admission = perRun(r, r.admitted, BATON_GROUPS);
      if (cpuPerRun.bulk_admission) rows.push(['bulk', 'CPU ms per admitted run (admission only)', fmtPerRun(cpuPerRun.bulk_admission), '', '']);
      rows.push(['bulk', 'last admitted → all succeeded', `${fmtMs(r.drain_after_admit_ms)} (${r.runs_per_s} runs/s end to end)`, '', '']);
    }
    if (r.errors) rows.push(['bulk', 'refused', JSON.stringify(r.errors).slice(0, 160), '', '']);
    cpuRow('bulk', r);
  }
  if (b.scale) burstRows('scale', `burst, ${b.scale.workers ?? '+1'} workers`, b.scale);
  const noisy = cpuRows.length ? Object.entries({ ...res.raw, ...res.baton }).filter(([, r]) => r?.cpu?.groups?.other?.share_pct > 15).map(([k, r]) => `${k} ${Math.round(r.cpu.groups.other.share_pct)}%`) : [];
  return { rows, cpuRows, ratios, targets, noisy, cpuPerRun };
}

/** The header line, the figures table, the CPU table and the noise warning, as printed. */
export function renderReport({ machine, git, opts, report: { rows, cpuRows, noisy } }) {
  let text = `\nBaton benchmark — ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; node ${machine.node}, Redis ${machine.redis}, Postgres ${machine.postgres}, BullMQ ${machine.bullmq}; ${opts.workers} worker(s) × concurrency ${opts.concurrency}; auth ${opts.auth ?? 'open'}, tracing ${opts.tracing ? 'on' : 'off'}; commit ${git.commit?.slice(0, 12) ?? '?'}${git.dirty ? ' (dirty)' : ''}\n\n`;
  text += `${table(['scenario', 'figure', 'value', 'ratio to raw', 'target'], rows)}\n\n`;
  if (cpuRows.length) {
    text += 'CPU seconds per process group over each scenario, and share of all CPU used (machine: busy share of all cores):\n';
    text += `${table(['scenario', 'wall', 'raw bullmq', 'api', 'workers', 'redis', 'postgres', 'bench', 'other', 'machine'], cpuRows)}\n\n`;
  }
  if (noisy.length) text += `WARNING: other processes on this machine used CPU during: ${noisy.join(', ')} (share of all CPU used). Those figures are pessimistic; re-run on a quiet machine.\n\n`;
  return text;
}
