import './tracing'; // first: see tracing.ts
import { AgentLoadError } from '@baton/agents';
import { stopTracing } from '@baton/telemetry';
import { loadWorkerConfig } from './config';
import { startWorker } from './start-worker';

async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  let worker;
  try {
    worker = await startWorker(config);
  } catch (err) {
    // A module, a name or a config of the agents: the message says which; a stack would bury it.
    if (!(err instanceof AgentLoadError)) throw err;
    console.error(`worker not started: ${err.message}`);
    process.exit(1);
  }
  const stop = () => void worker.close().then(stopTracing).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
