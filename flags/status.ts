// A flag's review status, from its latest decision, and the four-eyes rule. One status model for
// the CLI, the web queue and the exports: a REMOVE a reviewer confirmed is awaiting approval until
// a second person (a supervisor, never the one who confirmed it) approves it; only confirmed and
// approved flags go into the files sent on. A request for material (needs info) has a due date and
// a follow-up: the flag waits until the answer is recorded or the date passes, then is pending again.
import { z } from 'zod';
import { queryAll, sql, textList, type Db, type Sql } from '../pipeline/store/index.js';
import { NEEDS_APPROVAL } from '../rules/index.js';
import { flagRowSchema } from './row.js';

/** What a reviewer decides. */
export const DECISION_KINDS = ['confirmed', 'rejected', 'needs_info'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
/**
 * Stored decision values: the three a reviewer gives, the second approval of a REMOVE, and the
 * answer to a needs-info request (the material received, recorded by whoever received it).
 */
export const STORED_DECISIONS = [...DECISION_KINDS, 'approved', 'info_received'] as const;
export type StoredDecision = (typeof STORED_DECISIONS)[number];

export const FLAG_STATUSES = ['pending', 'confirmed', 'awaiting_approval', 'approved', 'rejected', 'needs_info'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export const STATUS_LABELS: Readonly<Record<FlagStatus, string>> = {
  pending: '待审核',
  confirmed: '已确认',
  awaiting_approval: '待主管复核',
  approved: '已复核',
  rejected: '已驳回',
  needs_info: '待补充材料',
};

/**
 * The needs-info loop, beside the status: a reviewer asks for material with a note and a due date
 * (decisions.due_on). Until it comes the flag is needs_info, waiting (not on anyone's to-do list);
 * when the answer is recorded (an 'info_received' decision), or the due date has passed without
 * one, the flag is pending again, back in the queue, and `follow_up` says which.
 */
export const FOLLOW_UPS = ['waiting', 'answered', 'overdue'] as const;
export type FollowUp = (typeof FOLLOW_UPS)[number];
export const FOLLOW_UP_LABELS: Readonly<Record<FollowUp, string>> = {
  waiting: '等待补充材料',
  answered: '已补充材料，待重新审核',
  overdue: '补充材料已逾期，待重新审核',
};
/** Days a needs-info request gives the sender when the reviewer names no due date. */
export const NEEDS_INFO_DAYS = 14;

/** Statuses that still wait for someone: a reviewer, the sender of more information, a supervisor. */
export const OPEN_STATUSES: readonly FlagStatus[] = ['pending', 'needs_info', 'awaiting_approval'];
/** Statuses whose flag goes into the files sent on (national system, provincial systems). */
export const CONFIRMED_STATUSES: readonly FlagStatus[] = ['confirmed', 'approved'];

export function statusLabel(status: string | null | undefined): string {
  return (STATUS_LABELS as Record<string, string>)[status ?? 'pending'] ?? String(status);
}

/** Statuses that wait for someone outside the queue (the sender of material): not a reviewer's to-do. */
export const WAITING_STATUSES: readonly FlagStatus[] = ['needs_info'];

/** SQL: the day a needs-info request is past due after (`today`, or the store's current date). */
const todaySql = (today: string | null | undefined): Sql => sql`coalesce(${today ?? null}::DATE, current_date)`;

/** SQL: the status column from `f.flag` and the latest decision `d.decision` (its `d.due_on`), as of `today`. */
function statusSql(today: string | null | undefined): Sql {
  return sql`CASE WHEN d.decision IS NULL OR d.decision = 'info_received' THEN 'pending'
  WHEN d.decision = 'needs_info' AND d.due_on < ${todaySql(today)} THEN 'pending'
  WHEN d.decision = 'confirmed' AND f.flag IN (SELECT unnest(${textList(NEEDS_APPROVAL)})) THEN 'awaiting_approval'
  ELSE d.decision END`;
}

/** SQL: the follow-up of a needs-info request (FOLLOW_UPS), from the latest decision; null without one. */
function followUpSql(today: string | null | undefined): Sql {
  return sql`CASE WHEN d.decision = 'info_received' THEN 'answered'
  WHEN d.decision = 'needs_info' AND d.due_on < ${todaySql(today)} THEN 'overdue'
  WHEN d.decision = 'needs_info' THEN 'waiting' END`;
}

/** SQL: the latest decision on each flag of one run (ties broken by decision id). */
export function latestDecisionsSql(runId: string): Sql {
  return sql`SELECT * FROM decisions WHERE run_id = ${runId}
    QUALIFY row_number() OVER (PARTITION BY flag_id ORDER BY decided_at DESC, decision_id DESC) = 1`;
}

/**
 * SQL: every column of the flags of one run, with the latest decision (decision, decision_id,
 * decided_by, decided_at, decision_reason), the status and the needs-info follow-up (follow_up,
 * info_due_on: the due date of the latest request for material) as of `today` (default: the
 * store's current date). The one query of "flags with their status" that review, exports and web
 * build on (filter and order it from outside).
 */
export function flagsWithStatus(runId: string, today?: string | null): Sql {
  return sql`
SELECT f.*, d.decision, d.decision_id, d.decided_by, d.decided_at, d.reason AS decision_reason, ${statusSql(today)} AS status,
       ${followUpSql(today)} AS follow_up, CAST(i.due_on AS VARCHAR) AS info_due_on
  FROM flags f LEFT JOIN (${latestDecisionsSql(runId)}) d ON d.flag_id = f.flag_id
  LEFT JOIN (SELECT flag_id, due_on FROM decisions WHERE run_id = ${runId} AND decision = 'needs_info'
             QUALIFY row_number() OVER (PARTITION BY flag_id ORDER BY decided_at DESC, decision_id DESC) = 1) i
    ON i.flag_id = f.flag_id AND d.decision IN ('needs_info', 'info_received')
 WHERE f.run_id = ${runId}`;
}

/** One stored flag with its latest decision and status, as flagsWithStatus gives it. */
export const flagRecordSchema = flagRowSchema.extend({
  run_id: z.string(),
  as_of: z.string(),
  child_person_id: z.string().nullable(),
  lifecycle: z.string().nullable(),
  decision: z.enum(STORED_DECISIONS).nullable(),
  decision_id: z.int().nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  decision_reason: z.string().nullable(),
  status: z.enum(FLAG_STATUSES),
  follow_up: z.enum(FOLLOW_UPS).nullable(),
  info_due_on: z.string().nullable(),
});
export type FlagRecord = z.infer<typeof flagRecordSchema>;

/** The flags of a run with their status, of one county (or city / province prefix) when given, that `where` admits. */
export function loadFlags(db: Db, runId: string, opts: { county?: string | null; where?: Sql; today?: string | null } = {}): Promise<FlagRecord[]> {
  const county = opts.county ?? null;
  return queryAll(
    db,
    flagRecordSchema,
    sql`SELECT * FROM (${flagsWithStatus(runId, opts.today)})
         WHERE (${county}::VARCHAR IS NULL OR starts_with(county_code, ${county})) AND (${opts.where ?? sql`TRUE`})
         ORDER BY county_code NULLS LAST, flag, priority, flag_id`,
  );
}

/** Why `approver` may not approve this flag (four-eyes), or null when they may. */
export function approvalRefusal(
  flag: { flag: string; status: FlagStatus; decidedBy: string | null },
  approver: { username: string; mayApprove: boolean },
): { kind: 'forbidden' | 'conflict'; message: string } | null {
  if (!approver.mayApprove) return { kind: 'forbidden', message: '只有主管可以复核退出标记' };
  if (!(NEEDS_APPROVAL as readonly string[]).includes(flag.flag)) return { kind: 'conflict', message: '只有“应退未退”标记需要主管复核' };
  if (flag.status !== 'awaiting_approval') return { kind: 'conflict', message: '该标记当前不是“待主管复核”状态（需先由审核员确认）' };
  if (flag.decidedBy === approver.username) return { kind: 'forbidden', message: '不能复核自己的审核决定：须由另一位主管复核' };
  return null;
}
