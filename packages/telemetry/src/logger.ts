import { AsyncLocalStorage } from 'node:async_hooks';
import winston from 'winston';

/** The fields every line of one request or job carries (correlation id, run id, …). */
const correlation = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `fields` added to every log line written inside it, across awaits. */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return correlation.run({ ...correlation.getStore(), ...fields }, fn);
}

const SECRET_KEYS = /pass(word)?|secret|token|authorization|api[-_]?key|cookie/i;

/** Replaces the values of secret-looking keys: secrets never reach a log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export function createLogger(options: { level?: string; service: string; silent?: boolean }): Logger {
  const addContext = winston.format((info) => Object.assign(info, correlation.getStore(), redact({ ...info })));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    defaultMeta: { service: options.service },
    format: winston.format.combine(addContext(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
  return {
    debug: (m, meta) => logger.debug(m, meta),
    info: (m, meta) => logger.info(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    error: (m, meta) => logger.error(m, meta),
  };
}
