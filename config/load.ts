import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema, FEEDS, type Config, type SourceConfig } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

function profilesDir(): string {
  // Works from the source tree and from dist/config/ (the JSON profiles are not compiled).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = resolve(dir, 'config/profiles');
    if (existsSync(candidate)) return candidate;
    if (existsSync(resolve(dir, 'profiles/national.json')) && dir.endsWith('config')) return resolve(dir, 'profiles');
    dir = dirname(dir);
  }
  throw new ConfigError('shipped rule profiles not found (config/profiles)');
}

function readJson(file: string, what: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what} ${file}: cannot be read (${(err as Error).message})`);
  }
  try {
    const value = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Json;
  } catch (err) {
    throw new ConfigError(`${what} ${file}: invalid JSON (${(err as Error).message})`);
  }
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Json, v as Json)
        : v;
  }
  return out;
}

/**
 * A profile is a shipped name ("national", "example-province"), a path to a JSON file, or an
 * object; `extends` names (or points to) the profile it overrides.
 */
export function resolveProfile(spec: unknown, baseDir: string, seen: string[] = []): Json {
  if (spec === undefined || spec === null) return {};
  if (typeof spec === 'string') {
    const shipped = resolve(profilesDir(), `${spec}.json`);
    const file = /[\\/]|\.json$/.test(spec) ? (isAbsolute(spec) ? spec : resolve(baseDir, spec)) : shipped;
    if (seen.includes(file)) throw new ConfigError(`profile: "extends" cycle through ${file}`);
    if (!existsSync(file)) throw new ConfigError(`profile: no shipped profile or file named "${spec}"`);
    return resolveProfile(readJson(file, 'profile'), dirname(file), [...seen, file]);
  }
  if (typeof spec !== 'object' || Array.isArray(spec)) throw new ConfigError('profile: expected a name, a path or an object');
  const { extends: parent, ...own } = spec as Json;
  return deepMerge(resolveProfile(parent, baseDir, seen), own);
}

function formatIssues(error: z.ZodError, origin: string): string {
  return error.issues
    .map((issue) => `${origin}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

/** Validates a configuration object (as read from JSON) and fills every default. */
export function parseConfig(input: unknown, origin = 'config', baseDir = process.cwd()): Config {
  const raw = (input ?? {}) as Json;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${origin}: expected a JSON object`);
  const withProfile = { ...raw, profile: resolveProfile(raw.profile ?? 'national', baseDir) };
  const parsed = configSchema.safeParse(withProfile);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error, origin));
  const config = parsed.data;
  const names = new Set<string>();
  for (const s of config.sources) {
    if (names.has(s.name)) throw new ConfigError(`${origin}: sources: duplicate source name "${s.name}"`);
    names.add(s.name);
  }
  // Relative paths in a config file are relative to that file.
  config.database = config.database === ':memory:' ? config.database : resolve(baseDir, config.database);
  config.inbox = resolve(baseDir, config.inbox);
  if (config.workDir) config.workDir = resolve(baseDir, config.workDir);
  // A pulled source's secret file, like every path of the file, is relative to it.
  for (const s of config.sources) {
    const auth = s.pull?.auth;
    const ref = auth?.type === 'bearer' ? auth.token : auth?.type === 'hmac' ? auth.secret : null;
    if (ref && 'file' in ref) ref.file = resolve(baseDir, ref.file);
  }
  return config;
}

/** Loads the configuration file (JSON), or the defaults when no file is given. */
export function loadConfig(file?: string, overrides: Json = {}): Config {
  if (!file) return parseConfig(overrides, 'defaults');
  const path = resolve(file);
  return parseConfig(deepMerge(readJson(path, 'config'), overrides), path, dirname(path));
}

/** The configured sources, or one per feed reading `<inbox>/<feed>/` when none are configured. */
export function effectiveSources(config: Config): SourceConfig[] {
  if (config.sources.length) return config.sources;
  return FEEDS.map((feed) => ({
    name: feed,
    feed,
    path: feed,
    format: 'auto' as const,
    encoding: 'auto' as const,
    headerAliases: {},
    dateBase: '1900' as const,
    schedule: '0 1 * * *',
  }));
}
