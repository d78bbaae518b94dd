import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the CLI finds the api, and the key it sends. */
export interface CliConfig {
  /** `BATON_URL`, else `url` of the config file. @defaultValue http://localhost:3000 */
  url: string;
  /** `BATON_API_KEY`, else `apiKey` of the config file; none sent when absent (an open api). */
  apiKey?: string;
}

/** `$XDG_CONFIG_HOME/baton/config.json`, or `~/.config/baton/config.json`. */
export function configPath(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return base === undefined ? undefined : join(base, 'baton', 'config.json');
}

/**
 * The environment first, then the config file (`{ "url": …, "apiKey": … }`), then the default.
 * @throws Error when the file exists but is no JSON object of strings
 */
export function loadCliConfig(env: Record<string, string | undefined>): CliConfig {
  const path = configPath(env);
  let file: { url?: unknown; apiKey?: unknown } = {};
  if (path !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = undefined; // no file: environment and defaults only
    }
    if (text !== undefined) {
      try {
        file = JSON.parse(text) as typeof file;
      } catch (err) {
        throw new Error(`${path}: not JSON (${(err as Error).message})`);
      }
      if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new Error(`${path}: must be a JSON object { "url", "apiKey" }`);
      for (const key of ['url', 'apiKey'] as const) {
        if (file[key] !== undefined && typeof file[key] !== 'string') throw new Error(`${path}: ${key} must be a string`);
      }
    }
  }
  const apiKey = env.BATON_API_KEY || (file.apiKey as string | undefined);
  return { url: env.BATON_URL || (file.url as string | undefined) || 'http://localhost:3000', ...(apiKey ? { apiKey } : {}) };
}
