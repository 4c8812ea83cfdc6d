import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { appendAudit } from './audit.js';
import { UserError } from './errors.js';
import { DECISION_LABELS, type DecisionKind, type StoredDecision } from './labels.js';

export const DECISION_KINDS: readonly DecisionKind[] = ['confirmed', 'rejected', 'needs_info'];

export interface DecideInput {
  flagId: string;
  /** The run of the flag; absent: the latest run (by as-of date) that has a flag with this id. */
  runId?: string | null;
  decision: DecisionKind;
  /** Required for 'rejected' (the reason) and 'needs_info' (what is missing). */
  reason?: string | null;
  /** The reviewer's user name. */
  by: string;
}

export interface Decision {
  decisionId: number;
  flagId: string;
  runId: string;
  flagKey: string;
  fingerprint: string;
  decision: StoredDecision;
  reason: string | null;
  decidedBy: string;
  /** 'YYYY-MM-DD HH:MM:SS[.ffffff]' (the store's local time). */
  decidedAt: string;
}

interface DecisionRow {
  decision_id: number;
  flag_id: string;
  run_id: string;
  flag_key: string;
  fingerprint: string;
  decision: StoredDecision;
  reason: string | null;
  decided_by: string;
  decided_at: string;
}

const DECISION_COLS = `decision_id, flag_id, run_id, flag_key, fingerprint, decision, reason, decided_by, CAST(decided_at AS VARCHAR) AS decided_at`;

function toDecision(r: DecisionRow): Decision {
  return {
    decisionId: Number(r.decision_id),
    flagId: r.flag_id,
    runId: r.run_id,
    flagKey: r.flag_key,
    fingerprint: r.fingerprint,
    decision: r.decision,
    reason: r.reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
  };
}

/**
 * Records a reviewer's decision on one flag and writes an audit_log row (action 'decide').
 * The decision carries the flag's flag_key and fingerprint, so that a rejection suppresses the
 * same condition with the same evidence in later runs (see suppressionFor).
 */
export async function decide(db: Db, input: DecideInput): Promise<Decision> {
  const flagId = (input.flagId ?? '').trim();
  const by = (input.by ?? '').trim();
  const reason = (input.reason ?? '').trim() || null;
  if (!flagId) throw new UserError('请指定标记编号');
  if (!by) throw new UserError('请指定审核人（--by）');
  if (!DECISION_KINDS.includes(input.decision)) throw new UserError(`未知的审核决定: ${String(input.decision)}（应为 confirmed、rejected 或 needs_info）`);
  if (input.decision === 'rejected' && !reason) throw new UserError('驳回标记必须填写驳回理由（--reason）');
  if (input.decision === 'needs_info' && !reason) throw new UserError('要求补充材料时必须说明需要补充的内容（--reason）');

  const runFilter = input.runId ? `AND f.run_id = ${lit(input.runId)}` : '';
  const flags = await queryRows<{ run_id: string; flag_id: string; flag_key: string; fingerprint: string }>(
    db,
    `SELECT f.run_id, f.flag_id, f.flag_key, f.fingerprint
       FROM flags f LEFT JOIN runs r ON r.run_id = f.run_id
      WHERE f.flag_id = ${lit(flagId)} ${runFilter}
      ORDER BY coalesce(r.as_of, f.as_of) DESC, r.started_at DESC NULLS LAST
      LIMIT 1`,
  );
  const flag = flags[0];
  if (!flag) throw new UserError(input.runId ? `比对批次 ${input.runId} 中没有标记 ${flagId}` : `找不到标记 ${flagId}`);

  await db.run('BEGIN TRANSACTION');
  try {
    const rows = await queryRows<DecisionRow>(
      db,
      `INSERT INTO decisions (flag_id, run_id, flag_key, fingerprint, decision, reason, decided_by, decided_at)
       VALUES (${lit(flag.flag_id)}, ${lit(flag.run_id)}, ${lit(flag.flag_key)}, ${lit(flag.fingerprint)}, ${lit(input.decision)},
               ${reason == null ? 'NULL' : lit(reason)}, ${lit(by)}, now())
       RETURNING ${DECISION_COLS}`,
    );
    const decision = toDecision(rows[0]!);
    await appendAudit(db, {
      actor: by,
      action: 'decide',
      runId: flag.run_id,
      target: flag.flag_id,
      rows: 1,
      detail: { decision_id: decision.decisionId, decision: decision.decision, flag_key: flag.flag_key, fingerprint: flag.fingerprint },
    });
    await db.run('COMMIT');
    return decision;
  } catch (err) {
    await db.run('ROLLBACK');
    throw err;
  }
}

/** SQL: the latest decision per flag of one run (ties broken by decision id). */
export function latestDecisionsSql(runId: string): string {
  return `SELECT * FROM decisions WHERE run_id = ${lit(runId)}
          QUALIFY row_number() OVER (PARTITION BY flag_id ORDER BY decided_at DESC, decision_id DESC) = 1`;
}

/** The latest decision on each flag of a run that has one. */
export async function latestDecisions(db: Db, runId: string): Promise<Decision[]> {
  const rows = await queryRows<DecisionRow>(db, `SELECT ${DECISION_COLS} FROM (${latestDecisionsSql(runId)}) ORDER BY flag_id`);
  return rows.map(toDecision);
}

/**
 * SQL giving (flag_key, fingerprint, decision_id) for every pair whose latest decision is a
 * rejection: the rules engine does not raise such a flag again while its fingerprint is the same.
 * A later confirmed / needs_info / approved decision on the same pair lifts the suppression; a
 * flag whose evidence changed has another fingerprint and is not suppressed.
 */
export const SUPPRESSION_SQL = `
SELECT flag_key, fingerprint, decision_id FROM decisions
QUALIFY row_number() OVER (PARTITION BY flag_key, fingerprint ORDER BY decided_at DESC, decision_id DESC) = 1
    AND decision = 'rejected'`;

export interface Suppression {
  flagKey: string;
  fingerprint: string;
  /** The rejection that suppresses it (suppressed_flags.decision_id). */
  decisionId: number;
}

/** The suppressed (flag_key, fingerprint) pairs, optionally only for some flag keys. */
export async function suppressionFor(db: Db, flagKeys?: readonly string[]): Promise<Suppression[]> {
  if (flagKeys && flagKeys.length === 0) return [];
  const filter = flagKeys ? `WHERE flag_key IN (SELECT unnest([${flagKeys.map(lit).join(', ')}]::VARCHAR[]))` : '';
  const rows = await queryRows<{ flag_key: string; fingerprint: string; decision_id: number }>(
    db,
    `SELECT * FROM (${SUPPRESSION_SQL}) ${filter} ORDER BY flag_key, fingerprint`,
  );
  return rows.map((r) => ({ flagKey: r.flag_key, fingerprint: r.fingerprint, decisionId: Number(r.decision_id) }));
}

/** A lookup over suppressionFor's result: the suppressing decision id, or undefined. */
export function suppressionIndex(list: readonly Suppression[]): (flagKey: string, fingerprint: string) => number | undefined {
  const m = new Map(list.map((s) => [`${s.flagKey}\u0000${s.fingerprint}`, s.decisionId]));
  return (flagKey, fingerprint) => m.get(`${flagKey}\u0000${fingerprint}`);
}

/** One flag of a run with its latest decision, as the review list shows it. */
export interface QueueItem {
  flagId: string;
  runId: string;
  flag: string;
  reason: string;
  category: string | null;
  previousCategory: string | null;
  childName: string | null;
  childIdNumber: string | null;
  countyCode: string | null;
  priority: number;
  lifecycle: string | null;
  decision: StoredDecision | null;
  decisionLabel: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** The flags of a run (optionally of one county or city code prefix) with their latest decision, most urgent first. */
export async function reviewQueue(db: Db, runId: string, opts: { county?: string | null } = {}): Promise<QueueItem[]> {
  const county = opts.county ? `AND starts_with(f.county_code, ${lit(opts.county)})` : '';
  const rows = await queryRows<Record<string, unknown>>(
    db,
    `SELECT f.flag_id, f.run_id, f.flag, f.reason, f.category, f.previous_category, f.child_name, f.child_id_number,
            f.county_code, f.priority, f.lifecycle, d.decision, d.decided_by, CAST(d.decided_at AS VARCHAR) AS decided_at
       FROM flags f LEFT JOIN (${latestDecisionsSql(runId)}) d ON d.flag_id = f.flag_id
      WHERE f.run_id = ${lit(runId)} ${county}
      ORDER BY f.priority, f.county_code, f.flag_id`,
  );
  return rows.map((r) => ({
    flagId: r.flag_id as string,
    runId: r.run_id as string,
    flag: r.flag as string,
    reason: r.reason as string,
    category: (r.category as string | null) ?? null,
    previousCategory: (r.previous_category as string | null) ?? null,
    childName: (r.child_name as string | null) ?? null,
    childIdNumber: (r.child_id_number as string | null) ?? null,
    countyCode: (r.county_code as string | null) ?? null,
    priority: Number(r.priority),
    lifecycle: (r.lifecycle as string | null) ?? null,
    decision: (r.decision as StoredDecision | null) ?? null,
    decisionLabel: r.decision ? (DECISION_LABELS[r.decision as StoredDecision] ?? (r.decision as string)) : DECISION_LABELS.pending,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
  }));
}
