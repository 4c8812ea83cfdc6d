// The runs table: a quarter's run starts (replacing an earlier run of the same quarter) and
// finishes with its flags stored, flags.csv written and its summary recorded.
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { BatchReport } from '../connectors/index.js';
import { clearRaisedFlags, storeRunFlags, writeFlagsCsv } from '../flags/index.js';
import { log } from '../pipeline/log.js';
import { appendAudit } from '../review/index.js';
import { sealFile } from '../pipeline/seal/index.js';
import { exec, ident, queryAll, queryOne, sealedTable, sql, storeKeys, type Db } from '../pipeline/store/index.js';

export interface QuarterResult {
  runId: string;
  asOf: string;
  status: 'complete' | 'incomplete';
  previousRunId: string | null;
  ingest: BatchReport[];
  flags: number;
  suppressed: number;
  resolved: number;
  byFlag: Record<string, number>;
  byCategory: Record<string, number>;
  byCounty: Record<string, number>;
  lifecycle: Record<string, number>;
  /** Expected feeds of which no file arrived for the quarter (RULES.md §3). */
  missingFeeds: string[];
  /** Inbox folders that no source reads (their files were not loaded). */
  unreadFolders: string[];
  timings: Record<string, number>;
  files: string[];
}

export const runIdFor = (asOf: string) => `Q${asOf}`;

/** Starts (or restarts) the run of quarter `asOf`: an earlier run of the same quarter is replaced. */
export async function beginRun(db: Db, config: Config, asOf: string): Promise<string> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new Error(`--as-of: expected YYYY-MM-DD, got "${asOf}"`);
  const runId = runIdFor(asOf);
  for (const table of [sealedTable('flags').table, 'resolved_flags', 'suppressed_flags', 'runs']) await exec(db, sql`DELETE FROM ${ident(table)} WHERE run_id = ${runId}`);
  await exec(
    db,
    sql`INSERT INTO runs (run_id, as_of, status, started_at, config, input_batches) VALUES (${runId}, ${asOf}::DATE, 'running', now(), ${JSON.stringify(config)}, [])`,
  );
  // The flags the run raises are appended to it as they are raised (flags/appendRaisedFlags) and stored by finishRun.
  await clearRaisedFlags(db);
  return runId;
}

const countRow = z.object({ flag: z.string(), category: z.string().nullable(), county_code: z.string().nullable(), lifecycle: z.string().nullable(), n: z.coerce.number() });

function countBy(rows: z.infer<typeof countRow>[], key: (r: z.infer<typeof countRow>) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r) ?? ''] = (out[key(r) ?? ''] ?? 0) + r.n;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export interface FinishOptions {
  /** Folder for flags.csv; nothing written when absent. */
  out?: string;
  ingest?: BatchReport[];
  timings?: Record<string, number>;
  matchSettings?: unknown;
  matchCounts?: unknown;
  status?: 'complete' | 'incomplete';
  missingFeeds?: string[];
  unreadFolders?: string[];
}

/** Stores the flags the run raised (flags/appendRaisedFlags), writes flags.csv, records the summary on the runs row. */
export async function finishRun(db: Db, runId: string, opts: FinishOptions = {}): Promise<QuarterResult> {
  const run = await queryOne(db, z.object({ as_of: z.string() }), sql`SELECT as_of::VARCHAR AS as_of FROM runs WHERE run_id = ${runId}`);
  if (!run) throw new Error(`no run ${runId}`);
  const asOf = run.as_of;
  const timings = { ...(opts.timings ?? {}) };
  const t = performance.now();
  const previous = await queryOne(
    db,
    z.object({ run_id: z.string() }),
    sql`SELECT run_id FROM runs WHERE as_of < ${asOf}::DATE AND status = 'complete' ORDER BY as_of DESC LIMIT 1`,
  );
  const prev = previous?.run_id ?? null;
  await storeRunFlags(db, runId, asOf, prev);
  const written = opts.out ? [await writeFlagsCsv(db, runId, opts.out)] : [];
  timings.store = Math.round(performance.now() - t) / 1000;

  const counts = await queryAll(
    db,
    countRow,
    sql`SELECT flag, category, county_code, lifecycle, count(*) AS n FROM flags WHERE run_id = ${runId} GROUP BY ALL`,
  );
  const other = await queryOne(
    db,
    z.object({ suppressed: z.coerce.number(), resolved: z.coerce.number() }),
    sql`SELECT (SELECT count(*) FROM suppressed_flags WHERE run_id = ${runId}) AS suppressed,
               (SELECT count(*) FROM resolved_flags WHERE run_id = ${runId}) AS resolved`,
  );
  // flags.csv holds full ID numbers and names: its writing is audited like every export.
  const flagCount = counts.reduce((n, r) => n + r.n, 0);
  for (const file of written) {
    await appendAudit(db, { actor: 'system', action: 'export', runId, target: file, rows: flagCount, detail: { kind: 'flags.csv', format: 'csv', fullIds: true } });
  }
  // flags.csv is left sealed like every file with personal data (RULES.md §4; audited under its name): `bidui open` opens it.
  const files = written.map((f) => sealFile(storeKeys(db), f));
  const status = opts.status ?? 'complete';
  const result: QuarterResult = {
    runId,
    asOf,
    status,
    previousRunId: prev,
    ingest: opts.ingest ?? [],
    flags: counts.reduce((n, r) => n + r.n, 0),
    suppressed: other!.suppressed,
    resolved: other!.resolved,
    byFlag: countBy(counts, (r) => r.flag),
    byCategory: countBy(counts, (r) => r.category),
    byCounty: countBy(counts, (r) => r.county_code),
    lifecycle: { ...countBy(counts, (r) => r.lifecycle), resolved: other!.resolved },
    missingFeeds: opts.missingFeeds ?? [],
    unreadFolders: opts.unreadFolders ?? [],
    timings,
    files,
  };
  const summary = {
    byFlag: result.byFlag,
    byCategory: result.byCategory,
    byCounty: result.byCounty,
    lifecycle: result.lifecycle,
    missingFeeds: result.missingFeeds,
    match: opts.matchCounts ?? null,
  };
  await exec(
    db,
    sql`UPDATE runs SET status = ${status}, finished_at = now(), previous_run_id = ${prev},
      match_settings = ${opts.matchSettings === undefined ? sql`match_settings` : sql`${JSON.stringify(opts.matchSettings)}`},
      input_batches = (SELECT coalesce(list(batch_id ORDER BY batch_id), []) FROM ingest_batches WHERE status = 'loaded'),
      timings = ${JSON.stringify(timings)}, summary = ${JSON.stringify(summary)}
    WHERE run_id = ${runId}`,
  );
  log.info({ runId, flags: result.flags, timings }, 'quarter finished');
  return result;
}
