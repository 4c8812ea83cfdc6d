// One statement of a run (a linkage stage, a gather statement), timed and logged by what it makes (debug: its
// milliseconds; error: a failure, which DuckDB's message does not place). With BIDUI_PROFILE_DIR set, each such
// statement (of those BIDUI_PROFILE_STAGES names, comma-separated, when set) also leaves DuckDB's own profile in
// `<dir>/<n>-<name>.json`, its operators with their time and rows; `npm run profile -- FILE` sums them by CTE and lists
// the heaviest joins. A tool for the one running a benchmark: profiling slows every statement it covers.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';

let profiledCount = 0;

/** The file the profile of statement `name` goes to, or null when it is not profiled. */
function profileFile(name: string): string | null {
  const dir = process.env.BIDUI_PROFILE_DIR;
  if (!dir) return null;
  const only = process.env.BIDUI_PROFILE_STAGES?.split(',').map((x) => x.trim());
  if (only && !only.includes(name)) return null;
  mkdirSync(resolve(dir), { recursive: true });
  return join(resolve(dir), `${String(++profiledCount).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9_]/g, '_')}.json`);
}

/**
 * Runs `fn` (statements on `db`) as statement `fields` of a run: logged at debug as `msg` with its milliseconds (and
 * the profile's file, when the environment asks for one), at error as `<msg> failed` with DuckDB's first line.
 */
export async function timedStatement<T>(db: DuckDBConnection, logger: Logger, msg: string, fields: { name: string } & Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const { name, ...rest } = fields;
  const t0 = performance.now();
  const profile = profileFile(name);
  try {
    if (!profile) return await logged(await fn());
    await db.run(`PRAGMA enable_profiling = 'json'`);
    await db.run(`PRAGMA profiling_output = '${profile.replaceAll("'", "''")}'`);
    try {
      return await logged(await fn());
    } finally {
      await db.run('PRAGMA disable_profiling');
    }
  } catch (err) {
    logger.error({ ...rest, ms: Math.round(performance.now() - t0), err: String(err).split('\n')[0] }, `${msg} failed`);
    throw err;
  }
  async function logged(out: T): Promise<T> {
    logger.debug({ ...rest, ms: Math.round(performance.now() - t0), ...(profile ? { profile } : {}) }, msg);
    return out;
  }
}
