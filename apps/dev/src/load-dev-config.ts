import { loadConfig, type Config } from '@baton/app-api';
import { loadWorkerConfig, type WorkerConfig } from '@baton/app-worker';

/**
 * The api's and the worker's configurations from one environment, as `npm start` runs them.
 * @throws Error naming every bad variable of either, each once (a shared one is bad for both).
 */
export function loadDevConfig(env: Record<string, string | undefined>): { api: Config; worker: WorkerConfig } {
  const problems = new Set<string>();
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      // Each loader's message is a title line, then one line per bad variable.
      for (const line of (err instanceof Error ? err.message : String(err)).split('\n').slice(1)) problems.add(line);
      return undefined;
    }
  };
  const api = attempt(() => loadConfig(env));
  const worker = attempt(() => loadWorkerConfig(env));
  if (!api || !worker) throw new Error(`invalid configuration:\n${[...problems].join('\n')}`);
  return { api, worker };
}
