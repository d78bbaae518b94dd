export { startWorker, type RunningWorker, type StartWorkerOptions } from './start-worker';
export { loadWorkerConfig, type WorkerConfig } from './config';
export { StepProcessor, type StepProcessorOptions, type StepRuntime } from './step-processor';
