import type { Logger as LoggerPort } from '@baton/core';
import winston from 'winston';
import { redact } from './redact';

/** Baton's logger: `@baton/core`'s `Logger` port, with `debug` and correlation fields. */
export interface Logger extends LoggerPort {
  debug(message: string, meta?: Record<string, unknown>): void;
  /**
   * A logger whose every line also carries `fields` (a request id, a run id and step key): how
   * correlation ids travel. Explicit rather than AsyncLocalStorage, whose promise hooks cost the
   * worker 13% of its CPU on the hot path.
   */
  child(fields: Record<string, unknown>): Logger;
  /** Changes the level of this logger and of its children (a runtime setting); `level` is one of winston's npm levels. Optional: a test's logger need not. */
  setLevel?(level: string): void;
}

/** `json`: one JSON object a line, for a log pipeline; `pretty`: coloured text for a terminal. */
export type LogFormat = 'json' | 'pretty';

export interface CreateLoggerOptions {
  /** winston's level (`LOG_LEVEL`). @defaultValue 'info' */
  level?: string;
  service: string;
  silent?: boolean;
  /** @defaultValue `pretty` when stdout is a terminal, else `json` (a service manager, a container, a pipe) */
  format?: LogFormat;
  /** Where lines go. @defaultValue stdout */
  stream?: NodeJS.WritableStream;
}

/** The format a process logs in when `LOG_FORMAT` does not say. */
export const defaultLogFormat = (): LogFormat => (process.stdout.isTTY ? 'pretty' : 'json');

const PRETTY_SKIP = new Set(['level', 'message', 'timestamp', 'service']);

const pretty = winston.format.printf((info) => {
  const fields = Object.entries(info).filter(([k]) => !PRETTY_SKIP.has(k));
  const rest = fields.length > 0 ? ` ${fields.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : '';
  return `${String(info.timestamp)} ${info.level} [${String(info.service)}] ${String(info.message)}${rest}`;
});

export function createLogger(options: CreateLoggerOptions): Logger {
  // Every line, its message and the fields of its children included, passes through redaction.
  const redactAll = winston.format((info) => Object.assign(info, redact({ ...info })));
  const format = options.format ?? defaultLogFormat();
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent,
    defaultMeta: { service: options.service },
    format: format === 'json'
      ? winston.format.combine(redactAll(), winston.format.timestamp(), winston.format.json())
      : winston.format.combine(redactAll(), winston.format.timestamp(), winston.format.colorize(), pretty),
    transports: [options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console()],
  });
  return wrap(logger);
}

function wrap(logger: winston.Logger): Logger {
  return {
    // winston formats a line before its transports drop it: a debug line off costs nothing this way.
    debug: (m, meta) => {
      if (logger.isDebugEnabled()) logger.debug(m, meta);
    },
    info: (m, meta) => logger.info(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    error: (m, meta) => logger.error(m, meta),
    child: (fields) => wrap(logger.child(fields)),
    setLevel: (level) => {
      logger.level = level;
    },
  };
}

/**
 * Applies a runtime setting's log level to `logger`: a level set wins, and once unset again the
 * logger goes back to `configured` (LOG_LEVEL); never set, the logger keeps the level it was made with.
 */
export function followLogLevel(logger: Logger, configured: string): (level: string | undefined) => void {
  let overridden = false;
  return (level) => {
    if (level !== undefined || overridden) logger.setLevel?.(level ?? configured);
    overridden = level !== undefined;
  };
}
