export * from './schema.js';
export { ConfigError, effectiveSources, loadConfig, parseConfig } from './load.js';
