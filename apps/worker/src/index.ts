export { startWorker, type RunningWorker } from './start-worker';
export { loadWorkerConfig, type WorkerConfig } from './config';
export { StepProcessor } from './step-processor';
