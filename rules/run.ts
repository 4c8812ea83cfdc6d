// The quarterly run: ingest what is new, link persons, evaluate the rules as of T, store the flags
// (replacing an earlier run of the same quarter), compare with the previous quarter, write flags.csv.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { ingestInbox, type BatchReport } from '../connectors/index.js';
import { linkPersons } from '../matchers/index.js';
import { log } from '../pipeline/log.js';
import { SUPPRESSION_SQL } from '../review/index.js';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { FLAG_PRIORITY, RuleContext, evaluateChild, type RaisedFlag } from './evaluate.js';
import { gatherFacts, type GatheredFacts } from './gather.js';
import type { EvidenceItem } from './evidence.js';
import type { ChildFacts } from './facts.js';
import { stopwatch } from '../pipeline/timing.js';

export interface QuarterOptions {
  asOf: string;
  /** Drop folder to ingest first (default: the configuration's inbox). */
  inbox?: string;
  /** Folder for flags.csv; nothing written when absent. */
  out?: string;
  /** Skip ingest (the store already holds the inputs). */
  skipIngest?: boolean;
}

export interface FlagRow {
  flag_id: string;
  flag_key: string;
  flag: string;
  category: string | null;
  previous_category: string | null;
  reason: string;
  child_person_id: string;
  child_name: string | null;
  child_id_number: string | null;
  child_ref: string | null;
  county_code: string | null;
  effective_from: string | null;
  overpaid_months: number | null;
  priority: number;
  score: number | null;
  evidence: string;
  params: string;
  fingerprint: string;
}

export interface QuarterResult {
  runId: string;
  asOf: string;
  previousRunId: string | null;
  ingest: BatchReport[];
  flags: number;
  suppressed: number;
  resolved: number;
  byFlag: Record<string, number>;
  byCategory: Record<string, number>;
  byCounty: Record<string, number>;
  lifecycle: Record<string, number>;
  timings: Record<string, number>;
  files: string[];
}

export const runIdFor = (asOf: string) => `Q${asOf}`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Flag rows for the flags table from what the rules raised for one child. */
export function flagRows(asOf: string, child: ChildFacts, raised: RaisedFlag[]): FlagRow[] {
  return raised.map((f) => {
    const childKey = child.idNumber ?? child.personId;
    // The same condition in another quarter keeps its key: a REMOVE whose reason changes is still
    // the one REMOVE; two URGENT or WATCH flags of one child with other reasons are two flags.
    const registryRow = f.registry ? f.registry.childRef ?? `${f.registry.batchId}:${f.registry.srcRow}` : '';
    const discriminator = f.flag === 'URGENT' || f.flag === 'WATCH' || f.flag === 'EDUCATION' ? f.reason : '';
    const flagKey = sha([f.flag, f.category ?? '', childKey, registryRow, discriminator].join('|')).slice(0, 24);
    const evidence = f.evidence.map((e): EvidenceItem => ({
      feed: e.feed,
      record_id: e.recordId,
      date: e.date,
      score: Math.round(e.score * 10_000) / 10_000,
      role: e.role,
      batch_id: e.batchId,
      src_row: e.srcRow,
    }));
    const fingerprint = sha(
      [f.reason, f.category ?? '', ...evidence.map((e) => `${e.feed}:${e.record_id}@${e.date ?? ''}`).sort()].join('|'),
    ).slice(0, 24);
    return {
      flag_id: sha(`${flagKey}@${asOf}`).slice(0, 16),
      flag_key: flagKey,
      flag: f.flag,
      category: f.category,
      previous_category: f.previousCategory,
      reason: f.reason,
      child_person_id: child.personId,
      child_name: child.name,
      child_id_number: child.idNumber,
      child_ref: f.registry?.childRef ?? null,
      county_code: f.registry?.county ?? child.county,
      effective_from: f.effectiveFrom,
      overpaid_months: f.overpaidMonths,
      priority: FLAG_PRIORITY[f.flag],
      score: evidence.length ? Math.max(...evidence.map((e) => e.score)) : null,
      evidence: JSON.stringify(evidence),
      params: JSON.stringify(f.params),
      fingerprint,
    };
  });
}

function countBy<T>(rows: T[], key: (r: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const k = key(r) ?? '';
    out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function inJurisdiction(config: Config, county: string | null): boolean {
  const prefixes = config.jurisdiction.codePrefixes;
  return !prefixes.length || (county !== null && prefixes.some((p) => county.startsWith(p)));
}

const FLAG_COLUMNS: [keyof FlagRow, string][] = [
  ['flag_id', 'VARCHAR'],
  ['flag_key', 'VARCHAR'],
  ['flag', 'VARCHAR'],
  ['category', 'VARCHAR'],
  ['previous_category', 'VARCHAR'],
  ['reason', 'VARCHAR'],
  ['child_person_id', 'VARCHAR'],
  ['child_name', 'VARCHAR'],
  ['child_id_number', 'VARCHAR'],
  ['child_ref', 'VARCHAR'],
  ['county_code', 'VARCHAR'],
  ['effective_from', 'VARCHAR'],
  ['overpaid_months', 'INTEGER'],
  ['priority', 'INTEGER'],
  ['score', 'DOUBLE'],
  ['evidence', 'VARCHAR'],
  ['params', 'VARCHAR'],
  ['fingerprint', 'VARCHAR'],
];

async function stageFlags(db: Db, rows: FlagRow[]): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE run_flags (${FLAG_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`);
  const app = await db.createAppender('run_flags', 'main', 'temp');
  for (const r of rows) {
    for (const [c, t] of FLAG_COLUMNS) {
      const v = r[c];
      if (v === null || v === undefined) app.appendNull();
      else if (t === 'INTEGER') app.appendInteger(v as number);
      else if (t === 'DOUBLE') app.appendDouble(v as number);
      else app.appendVarchar(String(v));
    }
    app.endRow();
  }
  app.closeSync();
}

/** The evidence as FEEDS.md's compact text: feed:record_id@date, … */
export const EVIDENCE_TEXT = (col: string) =>
  `array_to_string(list_transform(from_json(${col}, '[{"feed":"VARCHAR","record_id":"VARCHAR","date":"VARCHAR"}]'),
     e -> e.feed || ':' || e.record_id || coalesce('@' || e.date, '')), ', ')`;

/** Starts (or restarts) the run of quarter `asOf`: an earlier run of the same quarter is replaced. */
export async function beginRun(db: Db, config: Config, asOf: string): Promise<string> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))) throw new Error(`--as-of: expected YYYY-MM-DD, got "${asOf}"`);
  const runId = runIdFor(asOf);
  for (const table of ['flags', 'resolved_flags', 'suppressed_flags', 'runs']) await db.run(`DELETE FROM ${table} WHERE run_id = ${lit(runId)}`);
  await db.run(
    `INSERT INTO runs (run_id, as_of, status, started_at, config, input_batches) VALUES (${lit(runId)}, DATE ${lit(asOf)}, 'running', now(), ${lit(JSON.stringify(config))}, [])`,
  );
  return runId;
}

/** Evaluates the rules for the children of the gathered facts, within the configured jurisdiction. */
export function evaluateFacts(config: Config, asOf: string, facts: GatheredFacts): FlagRow[] {
  const ctx = new RuleContext(asOf, config.profile);
  const rows: FlagRow[] = [];
  for (const child of facts.children) {
    const { flags } = evaluateChild(ctx, child, facts.people);
    if (flags.length) rows.push(...flagRows(asOf, child, flags).filter((r) => inJurisdiction(config, r.county_code)));
  }
  return uniqueFlags(rows);
}

/** The same flag reached twice (e.g. one duplicate row seen from two children, or from two partitions) is one flag. */
export function uniqueFlags(rows: FlagRow[]): FlagRow[] {
  return [...new Map(rows.map((r) => [r.flag_id, r])).values()];
}

/**
 * Stores the flags of a run: suppression of rejected flags with unchanged evidence, lifecycle
 * against the previous quarter, flags.csv in `out`, the summary on the runs row.
 */
export async function finishRun(
  db: Db,
  runId: string,
  rows: FlagRow[],
  opts: { out?: string; ingest?: BatchReport[]; timings?: Record<string, number>; matchSettings?: unknown; matchCounts?: unknown; status?: 'complete' | 'incomplete' } = {},
): Promise<QuarterResult> {
  const [{ as_of: asOf }] = (await queryRows<{ as_of: string }>(db, `SELECT as_of::VARCHAR AS as_of FROM runs WHERE run_id = ${lit(runId)}`)) as [{ as_of: string }];
  const timings = { ...(opts.timings ?? {}) };
  let t = performance.now();
  await db.run(`DELETE FROM flags WHERE run_id = ${lit(runId)}`);
  await db.run(`DELETE FROM resolved_flags WHERE run_id = ${lit(runId)}`);
  await db.run(`DELETE FROM suppressed_flags WHERE run_id = ${lit(runId)}`);
  await stageFlags(db, rows);
  // A flag a reviewer rejected is not raised again while its evidence is unchanged.
  await db.run(`INSERT INTO suppressed_flags
    SELECT ${lit(runId)}, f.flag_key, f.fingerprint, d.decision_id FROM run_flags f JOIN (${SUPPRESSION_SQL}) d USING (flag_key, fingerprint)`);
  const [previous] = await queryRows<{ run_id: string }>(
    db,
    `SELECT run_id FROM runs WHERE as_of < DATE ${lit(asOf)} AND status = 'complete' ORDER BY as_of DESC LIMIT 1`,
  );
  const prev = previous?.run_id ?? null;
  await db.run(`INSERT INTO flags
    SELECT f.flag_id, ${lit(runId)}, f.flag_key, DATE ${lit(asOf)}, f.flag, f.category, f.previous_category, f.reason,
           f.child_person_id, f.child_name, f.child_id_number, f.child_ref, f.county_code, f.effective_from::DATE,
           f.overpaid_months, f.priority, f.score, f.evidence::JSON, f.params::JSON, f.fingerprint,
           ${prev ? `CASE WHEN f.flag_key IN (SELECT flag_key FROM flags WHERE run_id = ${lit(prev)}) THEN 'persisting' ELSE 'new' END` : `'new'`}
    FROM run_flags f ANTI JOIN suppressed_flags s ON s.run_id = ${lit(runId)} AND s.flag_key = f.flag_key AND s.fingerprint = f.fingerprint`);
  if (prev) {
    await db.run(`INSERT INTO resolved_flags SELECT ${lit(runId)}, p.flag_id, ${lit(prev)} FROM flags p
      WHERE p.run_id = ${lit(prev)} AND p.flag_key NOT IN (SELECT flag_key FROM flags WHERE run_id = ${lit(runId)})
        AND p.flag_key NOT IN (SELECT flag_key FROM suppressed_flags WHERE run_id = ${lit(runId)})`);
  }
  const files: string[] = [];
  if (opts.out) {
    const out = resolve(opts.out);
    mkdirSync(out, { recursive: true });
    const file = join(out, 'flags.csv');
    await db.run(`COPY (SELECT run_id, as_of, flag, category, previous_category, reason, child_name, child_id_number, child_ref,
        county_code, effective_from, overpaid_months, priority, round(score, 4) AS score, ${EVIDENCE_TEXT('evidence')} AS evidence
      FROM flags WHERE run_id = ${lit(runId)} ORDER BY priority, county_code, flag, child_id_number, child_ref, flag_id)
      TO ${lit(file)} (HEADER, DELIMITER ',')`);
    files.push(file);
  }
  timings.store = Math.round(performance.now() - t) / 1000;
  t = performance.now();

  const stored = await queryRows<{ flag: string; category: string | null; county_code: string | null; lifecycle: string }>(
    db,
    `SELECT flag, category, county_code, lifecycle FROM flags WHERE run_id = ${lit(runId)}`,
  );
  const [counts] = (await queryRows<{ suppressed: number; resolved: number }>(
    db,
    `SELECT (SELECT count(*) FROM suppressed_flags WHERE run_id = ${lit(runId)})::INTEGER AS suppressed,
            (SELECT count(*) FROM resolved_flags WHERE run_id = ${lit(runId)})::INTEGER AS resolved`,
  )) as [{ suppressed: number; resolved: number }];
  const result: QuarterResult = {
    runId,
    asOf,
    previousRunId: prev,
    ingest: opts.ingest ?? [],
    flags: stored.length,
    suppressed: counts.suppressed,
    resolved: counts.resolved,
    byFlag: countBy(stored, (r) => r.flag),
    byCategory: countBy(stored, (r) => r.category),
    byCounty: countBy(stored, (r) => r.county_code),
    lifecycle: { ...countBy(stored, (r) => r.lifecycle), resolved: counts.resolved },
    timings,
    files,
  };
  await db.run(`UPDATE runs SET status = ${lit(opts.status ?? 'complete')}, finished_at = now(), previous_run_id = ${prev ? lit(prev) : 'NULL'},
      match_settings = ${opts.matchSettings === undefined ? 'match_settings' : lit(JSON.stringify(opts.matchSettings))},
      input_batches = (SELECT coalesce(list(batch_id ORDER BY batch_id), []) FROM ingest_batches WHERE status = 'loaded'),
      timings = ${lit(JSON.stringify(timings))},
      summary = ${lit(JSON.stringify({ byFlag: result.byFlag, byCategory: result.byCategory, byCounty: result.byCounty, lifecycle: result.lifecycle, match: opts.matchCounts ?? null }))}
    WHERE run_id = ${lit(runId)}`);
  log.info({ runId, flags: result.flags, timings }, 'quarter finished');
  return result;
}

/** The whole quarter in this process: ingest, link, evaluate, store. */
export async function runQuarter(db: Db, config: Config, opts: QuarterOptions): Promise<QuarterResult> {
  const { timings, lap } = stopwatch();
  const runId = await beginRun(db, config, opts.asOf);
  const ingest = opts.skipIngest ? [] : await ingestInbox(db, config, { inbox: opts.inbox });
  lap('ingest');
  const linked = await linkPersons(db, { runId });
  lap('match');
  const facts = await gatherFacts(db, opts.asOf, config.profile.adultAge);
  lap('gather');
  const rows = evaluateFacts(config, opts.asOf, facts);
  lap('evaluate');
  // A file that could not be loaded leaves the quarter incomplete: its records are missing.
  const status = ingest.some((b) => b.status === 'failed') ? 'incomplete' : 'complete';
  return finishRun(db, runId, rows, { out: opts.out, ingest, timings, matchSettings: linked.settings, matchCounts: linked.counts, status });
}
