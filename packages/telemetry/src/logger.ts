import type { Logger as LoggerPort } from '@baton/core';
import winston from 'winston';

const SECRET_KEYS = /pass(word)?|secret|token|authorization|api[-_]?key|cookie/i;

/** Replaces the values of secret-looking keys: secrets never reach a log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** Baton's logger: `@baton/core`'s `Logger` port, with `debug` and correlation fields. */
export interface Logger extends LoggerPort {
  debug(message: string, meta?: Record<string, unknown>): void;
  /**
   * A logger whose every line also carries `fields` (a request id, a run id and step key): how
   * correlation ids travel. Explicit rather than AsyncLocalStorage, whose promise hooks cost the
   * worker 13% of its CPU on the hot path.
   */
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(options: { level?: string; service: string; silent?: boolean }): Logger {
  const redactAll = winston.format((info) => Object.assign(info, redact({ ...info })));
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    defaultMeta: { service: options.service },
    format: winston.format.combine(redactAll(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Console()],
  });
  return wrap(logger);
}

function wrap(logger: winston.Logger): Logger {
  return {
    debug: (m, meta) => logger.debug(m, meta),
    info: (m, meta) => logger.info(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    error: (m, meta) => logger.error(m, meta),
    child: (fields) => wrap(logger.child(fields)),
  };
}
