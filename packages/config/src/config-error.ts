/** One bad variable: its name (with the path inside its value, for JSON ones) and what is wrong. */
export interface ConfigProblem {
  /** `LOG_LEVEL`, or `BATON_AGENT_CONFIG.word-count` for a part of a JSON value. */
  variable: string;
  message: string;
}

/**
 * A process's configuration is invalid. The message names every bad variable, one line each,
 * without the values of secrets (see `parseEnv`): a process prints it and exits.
 */
export class ConfigError extends Error {
  constructor(
    title: string,
    readonly problems: readonly ConfigProblem[],
    lines: readonly string[],
  ) {
    super(`${title}:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
  }
}
