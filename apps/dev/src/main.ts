import './tracing'; // first: see tracing.ts
import { startApi } from '@baton/app-api';
import { startWorker } from '@baton/app-worker';
import { createLogger, stopTracing } from '@baton/telemetry';
import { loadDevConfig } from './load-dev-config';
import { sampleInput, sampleWorkflow } from './sample-workflow';

/** Dev mode: api and worker in one process, then a sample workflow run to completion. */
async function main(): Promise<void> {
  const env = { ...process.env };
  // Both from the one environment, every bad variable of either named before anything starts.
  const { api: apiConfig, worker: workerConfig } = loadDevConfig(env);
  const logger = createLogger({ level: apiConfig.logLevel === 'info' ? 'warn' : apiConfig.logLevel, service: 'baton-dev' });
  const worker = await startWorker(workerConfig, { logger });
  const api = await startApi(apiConfig, logger);
  const base = `http://127.0.0.1:${api.port}`;
  console.log(`Baton is up: api on ${base}, one worker serving the built-in agents.`);

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.BATON_ADMIN_KEY) headers['x-api-key'] = env.BATON_ADMIN_KEY;
  const submitted = await fetch(`${base}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ workflow: sampleWorkflow, input: sampleInput }) });
  const { id } = (await submitted.json()) as { id: string };
  console.log(`Submitted the sample workflow "${sampleWorkflow.name}": run ${id}`);
  let run: { status: string; output?: unknown; steps: Array<{ key: string; status: string }> };
  const deadline = Date.now() + 30_000;
  do {
    await new Promise((r) => setTimeout(r, 100));
    run = (await (await fetch(`${base}/v1/runs/${id}`, { headers })).json()) as typeof run;
  } while (!['succeeded', 'failed', 'cancelled'].includes(run.status) && Date.now() < deadline);
  for (const s of run.steps) console.log(`  ${s.status.padEnd(10)} ${s.key}`);
  console.log(`Run ${id} ${run.status}; output: ${JSON.stringify(run.output)}`);
  console.log(`Try: curl ${base}/v1/runs/${id}   (Ctrl-C to stop)`);

  const stop = async () => {
    await api.close();
    await worker.close();
    await stopTracing(); // the spans still buffered
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  if (env.BATON_DEV_EXIT === '1') await stop();
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
