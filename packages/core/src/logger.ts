/** Structured fields of a log line (ids, counts, an error's name and message). */
export type LogMeta = Record<string, unknown>;

/**
 * The logging a package needs: a port, implemented by `@baton/telemetry`'s winston logger (which
 * adds `debug` and `child`). The runtime's and the agents' loggers are this interface; a package
 * that must not depend on telemetry takes one of these.
 */
export interface Logger {
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

/** Drops every line: for callers that were given no logger. */
export const noopLogger: Logger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
