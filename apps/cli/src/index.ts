export { createProgram } from './program';
export { loadCliConfig, configPath, type CliConfig } from './cli-config';
