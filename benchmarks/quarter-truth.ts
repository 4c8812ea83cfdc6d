// Scores the flags of a run against the synthetic province's ground truth (truth/flags.csv), per
// flag type and per reason. A run's child is mapped to a true person through the truth mentions of its records
// (the majority). A flag matches when flag type, reason and child agree (and, for a duplicate
// registration, the registry row).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';

export interface ReasonScore {
  flag: string;
  reason: string;
  truth: number;
  raised: number;
  truePositives: number;
  precision: number;
  recall: number;
}

export interface FlagScore {
  flag: string;
  truth: number;
  raised: number;
  truePositives: number;
  precision: number;
  recall: number;
}

const KEY = (flag: string, reason: string, person: string, ref: string) =>
  `${flag} || '|' || ${reason} || '|' || coalesce(${person}, '?') || '|' || CASE WHEN ${reason} = 'DUPLICATE_REGISTRATION' THEN coalesce(${ref}, '') ELSE '' END`;

export async function scoreAgainstTruth(db: Db, runId: string, synthDir: string) {
  const truth = join(synthDir, 'truth');
  const inbox = resolve(synthDir, 'inbox') + '/';
  const mentions = existsSync(join(truth, 'mentions.parquet'))
    ? `read_parquet(${lit(join(truth, 'mentions.parquet'))})`
    : `read_csv(${lit(join(truth, 'mentions.csv'))}, all_varchar = true)`;
  await db.run(`CREATE OR REPLACE TEMP TABLE truth_flags AS SELECT * FROM read_csv(${lit(join(truth, 'flags.csv'))}, all_varchar = true)`);
  await db.run(`CREATE OR REPLACE TEMP TABLE truth_mentions AS SELECT file, row::INTEGER AS row, role, person_id FROM ${mentions}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE run_truth_person AS
    WITH j AS (
      SELECT p.person_id AS run_person, tm.person_id AS true_person, count(*) AS n
      FROM persons p JOIN ingest_batches b USING (batch_id)
      JOIN truth_mentions tm ON tm.file = replace(b.file_path, ${lit(inbox)}, '') AND tm.row = p.src_row AND tm.role = p.role
      GROUP BY ALL)
    -- Most of its mentions; a tie goes to the smaller true id, not to the order the rows came in (which depends
    -- on threads and spilling: the same flags scored one ADD apart under two memory limits).
    SELECT run_person, arg_min(true_person, struct_pack(n := -n, p := true_person)) AS true_person FROM j GROUP BY run_person`);
  await db.run(`CREATE OR REPLACE TEMP TABLE run_scored AS
    SELECT f.*, tp.true_person, ${KEY('f.flag', 'f.reason', 'tp.true_person', 'f.child_ref')} AS k
    FROM flags f LEFT JOIN run_truth_person tp ON tp.run_person = f.child_person_id WHERE f.run_id = ${lit(runId)}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE truth_scored AS
    SELECT t.*, ${KEY('t.flag', 't.reason', 't.child_person_id', 't.child_ref')} AS k FROM truth_flags t`);
  const scores = await queryRows<FlagScore>(
    db,
    `WITH r AS (SELECT DISTINCT flag, k FROM run_scored), t AS (SELECT DISTINCT flag, k FROM truth_scored)
     SELECT flag, (SELECT count(*) FROM t WHERE t.flag = f.flag)::INTEGER AS truth,
            (SELECT count(*) FROM r WHERE r.flag = f.flag)::INTEGER AS raised,
            (SELECT count(*) FROM r JOIN t USING (flag, k) WHERE r.flag = f.flag)::INTEGER AS "truePositives"
     FROM (SELECT flag FROM t UNION SELECT flag FROM r) f ORDER BY flag`,
  );
  for (const s of scores) {
    s.precision = s.raised ? s.truePositives / s.raised : 1;
    s.recall = s.truth ? s.truePositives / s.truth : 1;
  }
  const misses = await queryRows(db, `SELECT flag, reason, category, child_person_id, child_id_number, child_ref, effective_from FROM truth_scored WHERE k NOT IN (SELECT k FROM run_scored) ORDER BY flag, reason`);
  const extras = await queryRows(db, `SELECT flag, reason, category, true_person, child_id_number, child_ref, effective_from FROM run_scored WHERE k NOT IN (SELECT k FROM truth_scored) ORDER BY flag, reason`);
  return { scores, reasons: await reasonScores(db), bases: await basisPrecision(db), events: await urgentEventRecall(db), misses, extras };
}

export interface EventRecall {
  event: string;
  truth: number;
  found: number;
  recall: number;
}

/**
 * After scoreAgainstTruth's tables: recall of the URGENT flags per kind of event the truth records
 * (DEAD, DECLARED_DEAD, MISSING, RESTRICTION), so that each event RULES.md §3 names is scored on its
 * own; their precision is the URGENT row's (a run's flag does not say which event raised it).
 */
export async function urgentEventRecall(db: Db): Promise<EventRecall[]> {
  const cols = await queryRows<{ column_name: string }>(db, `SELECT column_name FROM (DESCRIBE truth_scored)`);
  if (!cols.some((c) => c.column_name === 'event')) return [];
  const rows = await queryRows<EventRecall>(
    db,
    `SELECT t.reason || ' ' || coalesce(t.event, '?') AS event, count(DISTINCT t.k)::INTEGER AS truth,
            count(DISTINCT t.k) FILTER (WHERE t.k IN (SELECT k FROM run_scored))::INTEGER AS found
     FROM truth_scored t WHERE t.flag = 'URGENT' GROUP BY ALL ORDER BY 1`,
  );
  for (const r of rows) r.recall = r.truth ? r.found / r.truth : 1;
  return rows;
}

export function formatEvents(rows: EventRecall[]): string {
  return ['reason / event                         truth   found  recall', ...rows.map((r) => `${r.event.padEnd(36)}${String(r.truth).padStart(7)}${String(r.found).padStart(8)}${f4(r.recall).padStart(8)}`)].join('\n');
}

/** After scoreAgainstTruth's tables: precision and recall per flag type and reason. */
export async function reasonScores(db: Db): Promise<ReasonScore[]> {
  const rows = await queryRows<ReasonScore>(
    db,
    `WITH r AS (SELECT DISTINCT flag, reason, k FROM run_scored), t AS (SELECT DISTINCT flag, reason, k FROM truth_scored),
          fr AS (SELECT flag, reason FROM t UNION SELECT flag, reason FROM r)
     SELECT fr.flag, fr.reason,
            (SELECT count(*) FROM t WHERE t.flag = fr.flag AND t.reason = fr.reason)::INTEGER AS truth,
            (SELECT count(*) FROM r WHERE r.flag = fr.flag AND r.reason = fr.reason)::INTEGER AS raised,
            (SELECT count(*) FROM r JOIN t USING (flag, reason, k) WHERE r.flag = fr.flag AND r.reason = fr.reason)::INTEGER AS "truePositives"
     FROM fr ORDER BY fr.flag, fr.reason`,
  );
  for (const s of rows) {
    s.precision = s.raised ? s.truePositives / s.raised : 1;
    s.recall = s.truth ? s.truePositives / s.truth : 1;
  }
  return rows;
}

const f4 = (x: number) => x.toFixed(4);

export interface BasisPrecision {
  flag: string;
  /** The weaker link bases the flag's evidence cites (rules/evidence.ts EVIDENCE_BASES), '+'-joined; 'model' when none. */
  basis: string;
  raised: number;
  truePositives: number;
  precision: number;
}

/**
 * After scoreAgainstTruth's tables: precision per flag type and the link bases its evidence rests on, so that a flag
 * resting on a name-only link is scored apart from one resting on the model's links.
 */
export async function basisPrecision(db: Db): Promise<BasisPrecision[]> {
  const rows = await queryRows<BasisPrecision>(
    db,
    `WITH r AS (
       SELECT DISTINCT flag, k, coalesce(nullif(array_to_string(list_sort(list_distinct(list_filter(json_extract_string(evidence, '$[*].basis'), b -> b IS NOT NULL))), '+'), ''), 'model') AS basis
       FROM run_scored)
     SELECT flag, basis, count(*)::INTEGER AS raised, count(*) FILTER (WHERE k IN (SELECT k FROM truth_scored))::INTEGER AS "truePositives"
     FROM r GROUP BY ALL ORDER BY flag, basis`,
  );
  for (const s of rows) s.precision = s.raised ? s.truePositives / s.raised : 1;
  return rows;
}

export function formatBases(rows: BasisPrecision[]): string {
  const lines = ['flag        evidence basis                         raised      TP  precision'];
  for (const s of rows) lines.push(`${s.flag.padEnd(12)}${s.basis.padEnd(36)}${String(s.raised).padStart(9)}${String(s.truePositives).padStart(8)}${f4(s.precision).padStart(11)}`);
  return lines.join('\n');
}

export function formatReasons(rows: ReasonScore[]): string {
  const lines = ['flag        reason                      truth  raised      TP  precision  recall'];
  for (const s of rows)
    lines.push(
      `${s.flag.padEnd(12)}${s.reason.padEnd(26)}${String(s.truth).padStart(7)}${String(s.raised).padStart(8)}${String(s.truePositives).padStart(8)}${f4(s.precision).padStart(11)}${f4(s.recall).padStart(8)}`,
    );
  return lines.join('\n');
}

