export { createLogger, redact, type Logger } from './logger';
export { createMetrics, type Metrics } from './metrics';
export { PrometheusMeter, type MetricsExposition } from './prometheus-meter';
