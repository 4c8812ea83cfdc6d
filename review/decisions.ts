// Decisions on flags: a reviewer's confirm / reject / needs-info, and the second approval of a flag
// that needs one (four-eyes, flags/status.ts). Each decision is audited.
import { z } from 'zod';
import {
  approvalRefusal,
  DECISION_KINDS,
  FLAG_STATUSES,
  FOLLOW_UPS,
  FOLLOW_UP_LABELS,
  NEEDS_INFO_DAYS,
  STORED_DECISIONS,
  flagsWithStatus,
  latestDecisionsSql,
  loadFlags,
  statusLabel,
  type DecisionKind,
  type FlagRecord,
  type FollowUp,
  type FlagStatus,
  type StoredDecision,
} from '../flags/index.js';
import { ident, queryAll, queryOne, sealedTable, sql, transaction, type Db } from '../pipeline/store/index.js';
import { appendAudit } from './audit.js';
import { UserError } from './errors.js';

export interface DecideInput {
  flagId: string;
  /** The run of the flag; absent: the latest run (by as-of date) that has a flag with this id. */
  runId?: string | null;
  decision: DecisionKind;
  /** Required for 'rejected' (the reason) and 'needs_info' (what is missing). */
  reason?: string | null;
  /** 'needs_info': the date the material is due (YYYY-MM-DD, not before today); default NEEDS_INFO_DAYS from today. */
  dueOn?: string | null;
  /** The reviewer's user name. */
  by: string;
  /** Today (YYYY-MM-DD; the web's clock, tests); default the store's current date. */
  today?: string | null;
}

const decisionRowSchema = z.object({
  decision_id: z.coerce.number(),
  flag_id: z.string(),
  run_id: z.string(),
  flag_key: z.string(),
  fingerprint: z.string(),
  decision: z.enum(STORED_DECISIONS),
  reason: z.string().nullable(),
  decided_by: z.string(),
  decided_at: z.string(),
  due_on: z.string().nullable(),
});

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
  /** needs_info: the date the material is due (YYYY-MM-DD). */
  dueOn: string | null;
}

const decisionCols = (reason: string) =>
  sql.trusted(`decision_id, flag_id, run_id, flag_key, fingerprint, decision, ${reason} AS reason, decided_by, CAST(decided_at AS VARCHAR) AS decided_at, CAST(due_on AS VARCHAR) AS due_on`);
const DECISION_COLS = decisionCols('reason');

function toDecision(r: z.infer<typeof decisionRowSchema>): Decision {
  return {
    decisionId: r.decision_id,
    flagId: r.flag_id,
    runId: r.run_id,
    flagKey: r.flag_key,
    fingerprint: r.fingerprint,
    decision: r.decision,
    reason: r.reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    dueOn: r.due_on,
  };
}

const flagStateSchema = z.object({
  run_id: z.string(),
  flag_id: z.string(),
  flag_key: z.string(),
  fingerprint: z.string(),
  flag: z.string(),
  status: z.enum(FLAG_STATUSES),
  decided_by: z.string().nullable(),
  follow_up: z.enum(FOLLOW_UPS).nullable(),
});

/** The flag with its status: in the given run, else in the latest run (by as-of date) that has it. */
async function flagState(db: Db, flagId: string, runId?: string | null, today?: string | null): Promise<z.infer<typeof flagStateSchema>> {
  const found = await queryOne(
    db,
    z.object({ run_id: z.string() }),
    sql`SELECT f.run_id FROM flags f LEFT JOIN runs r ON r.run_id = f.run_id
         WHERE f.flag_id = ${flagId} AND (${runId ?? null}::VARCHAR IS NULL OR f.run_id = ${runId ?? null})
         ORDER BY coalesce(r.as_of, f.as_of) DESC, r.started_at DESC NULLS LAST LIMIT 1`,
  );
  if (!found) throw new UserError(runId ? `比对批次 ${runId} 中没有标记 ${flagId}` : `找不到标记 ${flagId}`);
  const flag = await queryOne(
    db,
    flagStateSchema,
    sql`SELECT run_id, flag_id, flag_key, fingerprint, flag, status, decided_by, follow_up FROM (${flagsWithStatus(found.run_id, today)}) WHERE flag_id = ${flagId}`,
  );
  return flag!;
}

async function record(
  db: Db,
  flag: z.infer<typeof flagStateSchema>,
  decision: StoredDecision,
  reason: string | null,
  by: string,
  detail: Record<string, unknown> = {},
  dueOn: string | null = null,
): Promise<Decision> {
  return transaction(db, async () => {
    const [row] = await queryAll(
      db,
      decisionRowSchema,
      sql`INSERT INTO ${ident(sealedTable('decisions').table)} (flag_id, run_id, flag_key, fingerprint, decision, reason, decided_by, decided_at, due_on)
          VALUES (${flag.flag_id}, ${flag.run_id}, ${flag.flag_key}, ${flag.fingerprint}, ${decision}, bidui_seal(${reason}), ${by}, now(), ${dueOn}::DATE)
          RETURNING ${decisionCols('bidui_open(reason)')}`,
    );
    const d = toDecision(row!);
    await appendAudit(db, {
      actor: by,
      action: 'decide',
      runId: flag.run_id,
      target: flag.flag_id,
      rows: 1,
      detail: { decision_id: d.decisionId, decision, flag_key: flag.flag_key, fingerprint: flag.fingerprint, ...(dueOn ? { due_on: dueOn } : {}), ...detail },
    });
    return d;
  });
}

/**
 * Records a reviewer's decision on one flag and writes an audit_log row (action 'decide').
 * The decision carries the flag's flag_key and fingerprint, so that a rejection suppresses the
 * same condition with the same evidence in later runs (flags/store.ts).
 */
export async function decide(db: Db, input: DecideInput): Promise<Decision> {
  const flagId = (input.flagId ?? '').trim();
  const by = (input.by ?? '').trim();
  const reason = (input.reason ?? '').trim() || null;
  if (!flagId) throw new UserError('请指定标记编号');
  if (!by) throw new UserError('请指定审核人（--by）');
  if (!(DECISION_KINDS as readonly string[]).includes(input.decision)) throw new UserError(`未知的审核决定: ${String(input.decision)}（应为 confirmed、rejected 或 needs_info）`);
  if (input.decision === 'rejected' && !reason) throw new UserError('驳回标记必须填写驳回理由（--reason）');
  if (input.decision === 'needs_info' && !reason) throw new UserError('要求补充材料时必须说明需要补充的内容（--reason）');
  if (input.decision !== 'needs_info' && input.dueOn) throw new UserError('只有要求补充材料时才能指定补充期限（--due）');
  const dueOn = input.decision === 'needs_info' ? await needsInfoDue(db, input.dueOn, input.today) : null;
  const flag = await flagState(db, flagId, input.runId, input.today);
  return record(db, flag, input.decision, reason, by, {}, dueOn);
}

/** The due date of a needs-info request: the one given (a real date, not before today), else NEEDS_INFO_DAYS from today. */
async function needsInfoDue(db: Db, given: string | null | undefined, today: string | null | undefined): Promise<string> {
  const due = (given ?? '').trim() || null;
  if (due !== null && !/^\d{4}-\d{2}-\d{2}$/.test(due)) throw new UserError(`补充期限 ${due} 无效：应为 YYYY-MM-DD 格式的日期`);
  const row = await queryOne(
    db,
    z.object({ due: z.string().nullable(), today: z.string() }),
    sql`SELECT CAST(coalesce(TRY_CAST(${due}::VARCHAR AS DATE), CASE WHEN ${due}::VARCHAR IS NULL THEN d + ${NEEDS_INFO_DAYS}::INTEGER END) AS VARCHAR) AS due,
               CAST(d AS VARCHAR) AS today
          FROM (SELECT coalesce(${today ?? null}::DATE, current_date) AS d)`,
  );
  if (!row?.due) throw new UserError(`补充期限 ${due} 不是有效日期`);
  if (row.due < row.today) throw new UserError(`补充期限 ${row.due} 早于今天（${row.today}）`);
  return row.due;
}

export interface AnswerInput {
  flagId: string;
  runId?: string | null;
  /** What arrived: the material received, who sent it, what it shows. */
  answer: string;
  /** Who records it. */
  by: string;
  today?: string | null;
}

/**
 * Records the answer to a needs-info request (decision 'info_received', audited): the flag is
 * pending again, back in the queue, with the answer in its review history. Only a flag whose latest
 * decision asks for material (waiting, or past its due date) has a request to answer.
 */
export async function answerNeedsInfo(db: Db, input: AnswerInput): Promise<Decision> {
  const by = (input.by ?? '').trim();
  const answer = (input.answer ?? '').trim();
  if (!by) throw new UserError('请指定记录人（--by）');
  if (!answer) throw new UserError('请写明收到的补充材料（--note）');
  const flag = await flagState(db, (input.flagId ?? '').trim(), input.runId, input.today);
  if (flag.follow_up !== 'waiting' && flag.follow_up !== 'overdue') throw new UserError(`标记 ${flag.flag_id} 没有待答复的补充材料要求`);
  return record(db, flag, 'info_received', answer, by);
}

export interface ApproveInput {
  flagId: string;
  runId?: string | null;
  note?: string | null;
  /** The approver's user name. */
  by: string;
  /** Whether the approver's role may approve (web: the role's setting; CLI: the operator's word). */
  mayApprove: boolean;
}

/** An approval the four-eyes rule refuses: `kind` says whether the user may never, or not now. */
export class ApprovalRefused extends UserError {
  constructor(
    readonly kind: 'forbidden' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** The second approval of a confirmed flag that needs one (four-eyes: never by the one who confirmed it). */
export async function approve(db: Db, input: ApproveInput): Promise<Decision> {
  const by = (input.by ?? '').trim();
  if (!by) throw new UserError('请指定复核人（--by）');
  const flag = await flagState(db, (input.flagId ?? '').trim(), input.runId);
  const refusal = approvalRefusal({ flag: flag.flag, status: flag.status, decidedBy: flag.decided_by }, { username: by, mayApprove: input.mayApprove });
  if (refusal) throw new ApprovalRefused(refusal.kind, refusal.message);
  return record(db, flag, 'approved', input.note?.trim() || null, by, { confirmed_by: flag.decided_by });
}

/** The latest decision on each flag of a run that has one. */
export async function latestDecisions(db: Db, runId: string): Promise<Decision[]> {
  const rows = await queryAll(db, decisionRowSchema, sql`SELECT ${DECISION_COLS} FROM (${latestDecisionsSql(runId)}) ORDER BY flag_id`);
  return rows.map(toDecision);
}

/** One flag of a run with its status, as the review list shows it. */
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
  status: FlagStatus;
  statusLabel: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The needs-info follow-up (waiting, answered, overdue) and the request's due date. */
  followUp: FollowUp | null;
  followUpLabel: string | null;
  infoDueOn: string | null;
}

/** The flags of a run (optionally of one county or city code prefix) with their status, most urgent first. */
export async function reviewQueue(db: Db, runId: string, opts: { county?: string | null; today?: string | null } = {}): Promise<QueueItem[]> {
  const flags = await loadFlags(db, runId, { county: opts.county, today: opts.today });
  const byUrgency = (a: FlagRecord, b: FlagRecord) =>
    a.priority - b.priority || (a.county_code ?? '\uffff').localeCompare(b.county_code ?? '\uffff') || a.flag_id.localeCompare(b.flag_id);
  return flags.sort(byUrgency).map((r) => ({
    flagId: r.flag_id,
    runId: r.run_id,
    flag: r.flag,
    reason: r.reason,
    category: r.category,
    previousCategory: r.previous_category,
    childName: r.child_name,
    childIdNumber: r.child_id_number,
    countyCode: r.county_code,
    priority: r.priority,
    lifecycle: r.lifecycle,
    status: r.status,
    statusLabel: statusLabel(r.status),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    followUp: r.follow_up,
    followUpLabel: r.follow_up ? FOLLOW_UP_LABELS[r.follow_up] : null,
    infoDueOn: r.info_due_on,
  }));
}
