/**
 * Test only: a worker process that also serves `crash`, an agent that kills its own process the
 * way the kernel's OOM killer would (SIGKILL, no clean-up). The "worker lost" test spawns it from
 * `dist` and restarts it after each death, as systemd would.
 */
import { defineAgent } from '@baton/agents';
import { loadWorkerConfig, startWorker } from '@baton/app-worker';
import { z } from 'zod';

const crash = defineAgent({
  name: 'crash',
  description: 'Kills the worker process running it',
  input: z.unknown(),
  run: () => {
    process.kill(process.pid, 'SIGKILL');
    return new Promise<never>(() => undefined);
  },
});

void startWorker(loadWorkerConfig(process.env), { extraAgents: [crash] }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
