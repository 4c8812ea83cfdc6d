// DuckDB's own profile of the statements a run names: with BIDUI_PROFILE_DIR set, each linkage stage and gather
// statement (of those BIDUI_PROFILE_STAGES names, comma-separated, when set) leaves `<dir>/<n>-<name>.json`, its
// operators with their time and rows; `npm run profile -- FILE` sums them by CTE and lists the heaviest joins. A tool
// for the one running a benchmark: profiling slows every statement it covers.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';

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

/** Runs `fn` (statements on `db`), profiled when the environment asks for statement `name`; returns the file too. */
export async function profiled<T>(db: DuckDBConnection, name: string, fn: () => Promise<T>): Promise<{ out: T; profile: string | null }> {
  const profile = profileFile(name);
  if (!profile) return { out: await fn(), profile };
  await db.run(`PRAGMA enable_profiling = 'json'`);
  await db.run(`PRAGMA profiling_output = '${profile.replaceAll("'", "''")}'`);
  try {
    return { out: await fn(), profile };
  } finally {
    await db.run('PRAGMA disable_profiling');
  }
}
