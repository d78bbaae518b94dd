import './tracing'; // first: see tracing.ts
import { createLogger, stopTracing } from '@baton/telemetry';
import { loadConfig, type Config } from './config';
import { startApi } from './start-api';

/** The api process: configuration from the environment, then `startApi`; SIGTERM/SIGINT stop it cleanly. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, service: 'api', format: config.logFormat });
  const api = await startApi(config, logger).catch((err: unknown) => {
    logger.error('api failed to start', { error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
  const stop = (signal: string) => {
    logger.info('shutting down', { signal });
    api.close().then(stopTracing).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
