export { createLogger, withLogContext, redact, type Logger } from './logger';
export { createMetrics, type Metrics } from './metrics';
