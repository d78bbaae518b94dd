export { createApp } from './create-app';
export { startApi, type RunningApi, type StartApiOptions } from './start-api';
export { loadConfig, type Config } from './config';
export type { AppDeps, AgentDirectory, AgentInfo, Readiness } from './app-deps';
export { requirePermission } from './auth-middleware';
export type { ErrorBody, ErrorDetail } from './error-middleware';
export { createReadiness } from './readiness';
export { openApiDocument, type OpenApiDocument } from './openapi/openapi-document';
