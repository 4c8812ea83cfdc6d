// Storing the flags of a run: a flag a reviewer rejected is not raised again while its evidence is
// unchanged (suppression); each flag is new or persisting against the previous quarter, and the
// previous quarter's flags that no longer hold are recorded as resolved.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { neutraliseFormulaSql } from '../pipeline/identity/index.js';
import { exec, ident, queryAll, sealedTable, sealValueSql, sql, type Db, type Sql } from '../pipeline/store/index.js';
import { z } from 'zod';
import { FLAG_COLUMNS, type FlagRow } from './row.js';

/**
 * SQL giving (flag_key, fingerprint, decision_id) for every pair whose latest decision is a
 * rejection. A later confirmed / needs_info / approved decision on the same pair lifts the
 * suppression; a flag whose evidence changed has another fingerprint and is not suppressed.
 */
export const SUPPRESSION_SQL: Sql = sql`
SELECT flag_key, fingerprint, decision_id FROM decisions
QUALIFY row_number() OVER (PARTITION BY flag_key, fingerprint ORDER BY decided_at DESC, decision_id DESC) = 1
    AND decision = 'rejected'`;

export interface Suppression {
  flagKey: string;
  fingerprint: string;
  /** The rejection that suppresses it (suppressed_flags.decision_id). */
  decisionId: number;
}

/** The suppressed (flag_key, fingerprint) pairs. */
export async function suppressions(db: Db): Promise<Suppression[]> {
  const rows = await queryAll(
    db,
    z.object({ flag_key: z.string(), fingerprint: z.string(), decision_id: z.coerce.number() }),
    sql`SELECT * FROM (${SUPPRESSION_SQL}) ORDER BY flag_key, fingerprint`,
  );
  return rows.map((r) => ({ flagKey: r.flag_key, fingerprint: r.fingerprint, decisionId: r.decision_id }));
}

/**
 * The flags a run raises are staged in DuckDB as they are raised (a temp table, `raised_flags`), batch by batch, and
 * stored from there: JavaScript holds one batch's flags, not the run's (at province size 594k flags were 2.3 GB of
 * the JavaScript heap until they were stored). beginRun starts it empty; storeRunFlags stores and drops it.
 */
const RAISED = 'raised_flags';

/** An empty `raised_flags` (ord: the order the flags were raised in, then each of the flag row's columns). */
export async function clearRaisedFlags(db: Db): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${RAISED} (ord BIGINT, ${FLAG_COLUMNS.map((c) => `${ident(c.name).quoted} ${c.type}`).join(', ')})`);
}

/** Drops `raised_flags`: a run that failed leaves no flags (names, ID numbers) behind on the connection. */
export async function dropRaisedFlags(db: Db): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS ${RAISED}`);
}

/** Appends flags to `raised_flags` (clearRaisedFlags first), after those raised before them. */
export async function appendRaisedFlags(db: Db, rows: readonly FlagRow[]): Promise<void> {
  if (!rows.length) return;
  const [{ n }] = (await queryAll(db, z.object({ n: z.coerce.number() }), sql`SELECT count(*) AS n FROM ${ident(RAISED)}`)) as [{ n: number }];
  const app = await db.createAppender(RAISED, 'main', 'temp');
  rows.forEach((r, i) => {
    app.appendBigInt(BigInt(n + i));
    for (const c of FLAG_COLUMNS) {
      const v = r[c.name];
      if (v === null || v === undefined) app.appendNull();
      else if (c.type === 'INTEGER') app.appendInteger(v as number);
      else if (c.type === 'DOUBLE') app.appendDouble(v as number);
      else app.appendVarchar(String(v));
    }
    app.endRow();
  });
  app.closeSync();
}

/**
 * `run_flags`: the raised flags, one per flag_id, as uniqueFlags keeps them (the same flag reached from two batches
 * or partitions: where it was first raised, as it was last raised).
 */
const UNIQUE_RAISED = sql.trusted(`CREATE OR REPLACE TEMP TABLE run_flags AS
  SELECT * EXCLUDE (ord, first) FROM (
    SELECT *, min(ord) OVER (PARTITION BY flag_id) AS first FROM ${RAISED}
    QUALIFY row_number() OVER (PARTITION BY flag_id ORDER BY ord DESC) = 1)
  ORDER BY first`);

/** The staged column as the flags table stores it (sealed where RULES.md §4 wants it). */
const stored = (c: (typeof FLAG_COLUMNS)[number]): Sql => {
  const value = c.name === 'effective_from' ? 'f.effective_from::DATE' : c.name === 'evidence' || c.name === 'params' ? `f.${ident(c.name).quoted}::JSON` : `f.${ident(c.name).quoted}`;
  return sql.trusted(sealValueSql('flags', c.name, value));
};
const FLAGS_TABLE = sealedTable('flags').table;

/**
 * Replaces the flags of run `runId` (as of `asOf`) with the raised ones (appendRaisedFlags), less the suppressed ones,
 * marks each new or persisting against `previousRunId`, and records that run's flags that are gone.
 */
export async function storeRunFlags(db: Db, runId: string, asOf: string, previousRunId: string | null): Promise<void> {
  const staged = await queryAll(db, z.object({ n: z.coerce.number() }), sql`SELECT count(*) AS n FROM duckdb_tables() WHERE temporary AND table_name = ${RAISED}`);
  if (!staged[0]?.n) throw new Error(`storeRunFlags: no raised flags on this connection (beginRun starts them, on the same connection)`);
  for (const table of [FLAGS_TABLE, 'resolved_flags', 'suppressed_flags']) await exec(db, sql`DELETE FROM ${ident(table)} WHERE run_id = ${runId}`);
  await exec(db, UNIQUE_RAISED);
  await exec(db, sql`INSERT INTO suppressed_flags
    SELECT ${runId}, f.flag_key, f.fingerprint, d.decision_id FROM run_flags f JOIN (${SUPPRESSION_SQL}) d USING (flag_key, fingerprint)`);
  const lifecycle = previousRunId
    ? sql`CASE WHEN f.flag_key IN (SELECT flag_key FROM flags WHERE run_id = ${previousRunId}) THEN 'persisting' ELSE 'new' END`
    : sql`'new'`;
  await exec(
    db,
    sql`INSERT INTO ${ident(FLAGS_TABLE)} (run_id, as_of, lifecycle, ${sql.join(FLAG_COLUMNS.map((c) => sql`${ident(c.name)}`))})
    SELECT ${runId}, ${asOf}::DATE, ${lifecycle}, ${sql.join(FLAG_COLUMNS.map(stored))}
    FROM run_flags f ANTI JOIN suppressed_flags s ON s.run_id = ${runId} AND s.flag_key = f.flag_key AND s.fingerprint = f.fingerprint`,
  );
  if (previousRunId) {
    await exec(
      db,
      sql`INSERT INTO resolved_flags SELECT ${runId}, p.flag_id, ${previousRunId} FROM flags p
      WHERE p.run_id = ${previousRunId} AND p.flag_key NOT IN (SELECT flag_key FROM flags WHERE run_id = ${runId})
        AND p.flag_key NOT IN (SELECT flag_key FROM suppressed_flags WHERE run_id = ${runId})`,
    );
  }
  await db.run('DROP TABLE run_flags');
  await db.run(`DROP TABLE ${RAISED}`);
}

/** The `evidence` column as FEEDS.md's compact text: feed:record_id@date, … */
const EVIDENCE_TEXT = `array_to_string(list_transform(from_json(flags.evidence, '[{"feed":"VARCHAR","record_id":"VARCHAR","date":"VARCHAR"}]'),
     e -> e.feed || ':' || e.record_id || coalesce('@' || e.date, '')), ', ')`;

/** A text column of flags.csv as written: no cell a spreadsheet would run as a formula (names and ids come from the feeds). */
const cell = (expr: string, name: string) => sql.trusted(`${neutraliseFormulaSql(expr)} AS ${name}`);

/** Writes `<out>/flags.csv` (FEEDS.md) for a run; returns its path. */
export async function writeFlagsCsv(db: Db, runId: string, out: string): Promise<string> {
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'flags.csv');
  await exec(
    db,
    sql`COPY (SELECT run_id, as_of, flag, category, previous_category, reason, ${cell('flags.child_name', 'child_name')},
        ${cell('flags.child_id_number', 'child_id_number')}, ${cell('flags.child_ref', 'child_ref')},
        county_code, effective_from, overpaid_months, overpaid_amount, priority, round(score, 4) AS score, ${cell(EVIDENCE_TEXT, 'evidence')}
      FROM flags WHERE run_id = ${runId} ORDER BY priority, county_code, flag, flags.child_id_number, flags.child_ref, flag_id)
      TO ${file} (HEADER, DELIMITER ',')`,
  );
  return file;
}
