import { BatonClient } from '@baton/client';
import { loadCliConfig } from './cli-config';
import { Output } from './output';

/** What every command works with: the client of the configured api, and where to write. */
export interface Context {
  client: BatonClient;
  out: Output;
}

export function createContext(options: { json: boolean }, env: Record<string, string | undefined>): Context {
  const config = loadCliConfig(env);
  return {
    client: new BatonClient({ baseUrl: config.url, apiKey: config.apiKey, headers: { 'user-agent': 'baton-cli' } }),
    out: new Output({ json: options.json, stream: process.stdout, env }),
  };
}
