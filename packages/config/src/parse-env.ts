import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';

export interface ParseEnvOptions {
  /** The first line of the error. @defaultValue 'invalid configuration' */
  title?: string;
  /** Variables whose values may hold secrets or credentials: an error names them but never shows their value. */
  secrets?: readonly string[];
}

const SHOWN_CHARS = 80;

/**
 * Parses environment variables with `schema` (the shared one, extended by an app), once, at
 * startup (STYLE rule 6). Variables the schema does not name are ignored.
 * @throws ConfigError naming every bad variable, each with what it must be and, unless it is a
 * secret, the value it had.
 */
export function parseEnv<S extends z.ZodTypeAny>(schema: S, env: Record<string, string | undefined>, options: ParseEnvOptions = {}): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data as z.output<S>;
  const secrets = new Set(options.secrets ?? []);
  const problems: ConfigProblem[] = [];
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'config');
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : name;
    problems.push({ variable, message: issue.message });
    const value = env[name];
    const text = value === undefined || secrets.has(name) ? undefined : JSON.stringify(value);
    const shown = text === undefined ? '' : ` (got ${text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text})`;
    return `  - ${variable}: ${issue.message}${shown}`;
  });
  throw new ConfigError(options.title ?? 'invalid configuration', problems, lines);
}
