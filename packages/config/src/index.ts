export { envVar, emptyAsUnset } from './env-var';
export { parseEnv, type ParseEnvOptions } from './parse-env';
export { ConfigError, type ConfigProblem } from './config-error';
export { LOG_LEVELS, SHARED_SECRETS, sharedConfigOf, sharedEnvSchema, type SharedConfig, type SharedEnv, type SharedLimitsConfig } from './shared-env';
export { tracingConfigOf, type ObservabilityConfig, type TracingConfig } from './observability-env';
export { decodeSecretKey, type SecretKeyConfig, type SecretKeysConfig } from './secret-keys';
export { patchRuntimeSettings, runtimeSettingsSchema, type RuntimeSettings, type SettingsProblem } from './runtime-settings';
