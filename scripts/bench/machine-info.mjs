// Facts about the machine and its services, for the report header and the CPU meters.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pgrep } from './cpu.mjs';
import { ROOT } from './env.mjs';
import { round } from './stats.mjs';

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export async function machineInfo(redis, pool) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const info = await redis.info('server');
  const pgVersion = pool ? (await pool.query('SHOW server_version')).rows[0].server_version : sh('psql', ['-At', '-h', '127.0.0.1', '-U', 'postgres', '-c', 'SHOW server_version']);
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: os.cpus().length,
    memory_gib: round(os.totalmem() / 1024 ** 3, 1),
    kernel: os.release(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1],
    postgres: pgVersion,
    bullmq: JSON.parse(readFileSync(join(ROOT, 'node_modules/bullmq/package.json'), 'utf8')).version,
  };
}

export function gitInfo() {
  const status = sh('git', ['status', '--porcelain']);
  return { commit: sh('git', ['rev-parse', 'HEAD']) ?? null, dirty: status === undefined ? null : status.length > 0 };
}

export async function redisPid(redis) {
  const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  try {
    if (pid && readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('redis')) return pid;
  } catch {
    // another pid namespace
  }
  return pgrep('redis-server')[0];
}

export async function usedMemory(redis) {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}
