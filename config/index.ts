export * from './schema.js';
export { ConfigError, effectiveSources, loadConfig, parseConfig, resolveProfile } from './load.js';
