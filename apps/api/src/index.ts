export { createApp } from './create-app';
export { startApi, type RunningApi, type StartApiOptions } from './start-api';
export { loadConfig, type Config } from './config';
export type { AppDeps, AgentDirectory, AgentInfo, Readiness } from './app-deps';
export { adminKeyAuthenticator, openAuthenticator, chainAuthenticators, type Authenticator } from './authenticator';
export { requireRole } from './auth-middleware';
export { ROLES, type Principal, type Role } from './principal';
export { STATUS_BY_CODE, type ErrorBody, type ErrorDetail } from './error-middleware';
export { createReadiness } from './readiness';
