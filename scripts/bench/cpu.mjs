// CPU and memory of processes, read from /proc (Linux only).
//
// A scenario takes a snapshot of every process group before and after it runs; the difference of
// utime+stime is that group's CPU seconds over the scenario. The whole machine's busy time (from
// /proc/stat) is snapshotted too, so whatever no group accounts for (other tenants of the box, the
// kernel, processes that came and went) shows up as "other" instead of vanishing.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux this runs on
}

/** utime+stime of one process in seconds, or undefined when it no longer exists. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15
    return (Number(fields[11]) + Number(fields[12])) / clkTck;
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, or undefined. */
export function parentPid(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in bytes (VmRSS), or undefined. */
export function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Pids whose command name is exactly `name` (pgrep -x), possibly empty. */
export function pgrep(name) {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Busy and total CPU seconds of the whole machine since boot (all cores summed). */
export function machineCpuSeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already in user/nice)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: (total - idle) / clkTck, total: total / clkTck };
}

/** This process's own CPU seconds (all threads). */
export function selfCpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * A snapshot of CPU seconds per group. `groups` maps a group name to a function returning its
 * current pids (asked at both ends, so processes that appear mid-scenario count from zero).
 */
export class CpuMeter {
  /** @param {Record<string, () => number[] | Promise<number[]>>} groups */
  constructor(groups) {
    this.groups = groups;
  }

  async snapshot() {
    const perPid = {};
    for (const [name, pidsOf] of Object.entries(this.groups)) {
      const pids = name === 'bench' ? [] : await pidsOf();
      perPid[name] = {};
      for (const pid of pids) {
        const s = processCpuSeconds(pid);
        if (s !== undefined) perPid[name][pid] = s;
      }
    }
    return { at: performance.now(), perPid, self: selfCpuSeconds(), machine: machineCpuSeconds() };
  }

  /**
   * CPU seconds per group between two snapshots, with each group's share of all accounted CPU and
   * of the machine's capacity over the interval.
   */
  static diff(a, b, cores) {
    const wallS = (b.at - a.at) / 1000;
    const groups = {};
    for (const name of Object.keys(b.perPid)) {
      let s = 0;
      for (const [pid, end] of Object.entries(b.perPid[name])) s += end - (a.perPid[name]?.[pid] ?? 0);
      groups[name] = s;
    }
    if ('bench' in groups) groups.bench = b.self - a.self;
    const accounted = Object.values(groups).reduce((x, y) => x + y, 0);
    const machineBusy = b.machine.busy - a.machine.busy;
    const machineTotal = b.machine.total - a.machine.total;
    groups.other = Math.max(0, machineBusy - accounted);
    const sum = Object.values(groups).reduce((x, y) => x + y, 0);
    const out = { wall_s: round3(wallS), machine_busy_pct: machineTotal > 0 ? round1((100 * machineBusy) / machineTotal) : null, cores, groups: {} };
    for (const [name, s] of Object.entries(groups)) {
      out.groups[name] = { cpu_s: round3(s), share_pct: sum > 0 ? round1((100 * s) / sum) : 0, of_machine_pct: wallS > 0 ? round1((100 * s) / (wallS * cores)) : 0 };
    }
    return out;
  }
}

/** One line: "workers 48% · postgres 30% · …" (share of all CPU used), busiest first. */
export function formatCpuSplit(split) {
  if (!split) return 'n/a';
  const parts = Object.entries(split.groups)
    .filter(([, g]) => g.cpu_s > 0 || g.share_pct > 0)
    .sort((x, y) => y[1].cpu_s - x[1].cpu_s)
    .map(([name, g]) => `${name} ${g.share_pct}% (${g.cpu_s.toFixed(2)}s)`);
  return `${parts.join(' · ')} — machine ${split.machine_busy_pct}% busy of ${split.cores} cores`;
}

const round1 = (v) => Math.round(v * 10) / 10;
const round3 = (v) => Math.round(v * 1000) / 1000;
