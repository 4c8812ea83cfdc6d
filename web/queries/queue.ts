// The queue page's queries: the flags of a run in the user's scope (flags/' flagsWithStatus with
// assignment and SLA columns), filtered, counted per type; one flag of the scope for the flag page.
import { z } from 'zod';
import {
  dueOnSql, flagLabel, flagRecordSchema, flagsWithStatus, FOLLOW_UP_LABELS, OPEN_STATUSES, statusLabel, STATUS_LABELS, WAITING_STATUSES, type FlagStatus, type FollowUp,
} from '../../flags/index.js';
import { maskId } from '../../pipeline/log.js';
import { queryAll, queryOne, sql, textList, type Sql } from '../../pipeline/store/index.js';
import type { RunInfo } from '../../review/index.js';
import type { Ctx } from '../context.js';
import { countyName, type AgeFilter } from '../labels.js';
import { canSeeRestricted, decidedByGrantRole, decidedByGrantRoleSql, flagVisible, isRestrictedCategory, isRestrictedReason, restrictedCategory, visibleReason } from '../privacy.js';
import { scopeSql } from '../roles.js';

export interface QueueFilters {
  flag?: string;
  category?: string;
  reason?: string;
  priority?: number;
  status?: FlagStatus;
  age?: AgeFilter;
  q?: string;
  mine?: boolean;
}

/** The queue's orders: by urgency (the default: to-do first, then waiting, then decided), or by one column. */
export const QUEUE_SORTS = ['urgency', 'priority', 'due', 'raised', 'county', 'name', 'flag', 'status'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

/** One view of the queue: its filters, order and page. */
export interface QueueView extends QueueFilters {
  sort?: QueueSort;
  dir?: 'asc' | 'desc';
  /** 1-based. */
  page?: number;
  size?: number;
}

export interface QueueRow {
  flagId: string;
  runId: string;
  flag: string;
  flagLabel: string;
  reason: string;
  reasonLabel: string;
  category: string | null;
  categoryLabel: string;
  previousCategoryLabel: string;
  childName: string | null;
  childIdMasked: string;
  childRef: string | null;
  countyCode: string | null;
  countyName: string;
  priority: number;
  lifecycle: string | null;
  status: FlagStatus;
  statusLabel: string;
  decidedBy: string | null;
  decidedAt: string | null;
  assignedTo: string | null;
  raisedOn: string;
  dueOn: string;
  ageDays: number;
  /** Days left to the SLA (negative: overdue); null once decided. */
  daysLeft: number | null;
  overdue: boolean;
  /** On this user's to-do list (todoSql). */
  todo: boolean;
  /** Decided by a role with the grant, not this user (privacy.ts decidedByGrantRole): not claimable nor selectable for a bulk decision by them. */
  routed: boolean;
  /** The needs-info follow-up (flags/status.ts): waiting for material, answered, or past its due date. */
  followUp: FollowUp | null;
  followUpLabel: string | null;
  infoDueOn: string | null;
}

/** A flag with status (flags/), its assignment and its SLA dates, as queueSql gives it. */
const queueRecordSchema = flagRecordSchema.extend({ assigned_to: z.string().nullable(), raised_on: z.string(), due_on: z.string() });
type QueueRecord = z.infer<typeof queueRecordSchema>;

/**
 * SQL: the flags of a run in the user's scope with status, assignment and SLA columns (raised_on,
 * due_on). Without the need-to-know grant an HIV flag is not among them (privacy.ts flagVisible):
 * the queue, search, counts, dashboard and flag page all build on this.
 */
export function queueSql(ctx: Ctx, runId: string): Sql {
  const raised = sql`coalesce(r.finished_at, r.started_at, q.as_of)::DATE`;
  return sql`
SELECT q.*, a.assigned_to,
       CAST(${raised} AS VARCHAR) AS raised_on,
       CAST(${dueOnSql(ctx.sla, sql`q.flag`, sql`q.as_of`, raised)} AS VARCHAR) AS due_on
  FROM (${flagsWithStatus(runId, ctx.today)}) q
  JOIN runs r ON r.run_id = q.run_id
  LEFT JOIN flag_assignments a ON a.run_id = q.run_id AND a.flag_id = q.flag_id
 WHERE ${scopeSql(ctx.user, ctx.roles, sql`q.county_code`)} AND ${flagVisible(ctx, 'q')}`;
}

/** SQL: the row's status (a column of queueSql) is open: waiting for someone. */
export const openSql = (): Sql => sql`list_contains(${textList(OPEN_STATUSES)}, status)`;
/**
 * The statuses on this user's to-do list: pending (new, or back in the queue after a needs-info
 * request was answered or fell due), and for a role that approves, REMOVE flags awaiting approval.
 * A flag waiting for material (needs_info) is on nobody's list until then, and one this user may
 * not decide because its reason is hidden from them (privacy.ts decidedByGrantRole) is on the list
 * of a role with the grant only.
 */
export const todoStatuses = (ctx: Ctx): FlagStatus[] => (ctx.roles[ctx.user.role].canApprove ? ['pending', 'awaiting_approval'] : ['pending']);
export const todoSql = (ctx: Ctx): Sql => sql`(list_contains(${textList(todoStatuses(ctx))}, status) AND NOT ${decidedByGrantRoleSql(ctx)})`;
/** SQL: waiting for material from outside the queue (flags/status.ts WAITING_STATUSES). */
const waitingSql = (): Sql => sql`list_contains(${textList(WAITING_STATUSES)}, status)`;
/** SQL: open and past its due date. */
export const overdueSql = (ctx: Ctx): Sql => sql`${openSql()} AND CAST(due_on AS DATE) < ${ctx.today}::DATE`;

function filterSql(ctx: Ctx, f: QueueFilters, skip: (keyof QueueFilters)[] = []): Sql {
  const w: Sql[] = [];
  const use = (k: keyof QueueFilters) => f[k] !== undefined && f[k] !== '' && !skip.includes(k);
  if (use('flag')) w.push(sql`flag = ${f.flag!}`);
  if (use('category')) {
    // Without the need-to-know grant, a filter on a restricted category finds nothing (it would tell).
    if (isRestrictedCategory(f.category) && !canSeeRestricted(ctx)) w.push(sql`FALSE`);
    else w.push(sql`(split_part(category, ':', 1) = ${f.category!} OR category = ${f.category!})`);
  }
  if (use('reason')) {
    // Likewise a filter on a reason that tells a criminal record: it would sort releases from the rest.
    if (isRestrictedReason(f.reason) && !canSeeRestricted(ctx)) w.push(sql`FALSE`);
    else w.push(sql`reason = ${f.reason!}`);
  }
  if (use('priority')) w.push(sql`priority = ${Math.trunc(f.priority!)}::INTEGER`);
  if (use('status')) w.push(sql`status = ${f.status!}`);
  if (use('mine') && f.mine) w.push(sql`assigned_to = ${ctx.user.username}`);
  if (use('q')) {
    const q = f.q!.trim();
    w.push(sql`(contains(child_name, ${q}) OR child_ref = ${q} OR upper(child_id_number) = upper(${q}) OR flag_id = ${q})`);
  }
  if (use('age')) {
    const age = sql`date_diff('day', CAST(raised_on AS DATE), ${ctx.today}::DATE)`;
    const cond: Record<AgeFilter, Sql> = {
      lt7: sql`${age} < 7`,
      '7to30': sql`${age} BETWEEN 7 AND 30`,
      '30to90': sql`${age} BETWEEN 31 AND 90`,
      gt90: sql`${age} > 90`,
      overdue: overdueSql(ctx),
    };
    w.push(cond[f.age!]);
  }
  return w.length ? sql.join(w, sql` AND `) : sql`TRUE`;
}

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

function toQueueRow(ctx: Ctx, r: QueueRecord): QueueRow {
  const open = OPEN_STATUSES.includes(r.status);
  const routed = decidedByGrantRole(ctx, r);
  const todo = todoStatuses(ctx).includes(r.status) && !routed;
  const daysLeft = open ? days(ctx.today, r.due_on) : null;
  return {
    flagId: r.flag_id,
    runId: r.run_id,
    flag: r.flag,
    flagLabel: flagLabel(r.flag),
    reason: r.reason,
    reasonLabel: visibleReason(ctx, r.reason),
    category: r.category,
    categoryLabel: restrictedCategory(ctx, r.category),
    previousCategoryLabel: restrictedCategory(ctx, r.previous_category),
    childName: r.child_name,
    childIdMasked: maskId(r.child_id_number),
    childRef: r.child_ref,
    countyCode: r.county_code,
    countyName: countyName(r.county_code),
    priority: r.priority,
    lifecycle: r.lifecycle,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status] ?? statusLabel(r.status),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    assignedTo: r.assigned_to,
    raisedOn: r.raised_on,
    dueOn: r.due_on,
    ageDays: days(r.raised_on, ctx.today),
    daysLeft,
    overdue: daysLeft !== null && daysLeft < 0,
    todo,
    routed,
    followUp: r.follow_up,
    followUpLabel: r.follow_up ? FOLLOW_UP_LABELS[r.follow_up] : null,
    infoDueOn: r.info_due_on,
  };
}

export interface QueueResult {
  rows: QueueRow[];
  /** Rows under the filters (every page). */
  total: number;
  page: number;
  size: number;
  pages: number;
  sort: QueueSort;
  dir: 'asc' | 'desc';
  /** Count per flag type, under every filter but the type: all, on the user's to-do list, waiting for material, past the SLA. */
  byType: Record<string, { total: number; open: number; waiting: number; overdue: number }>;
}

const countSchema = z.object({ n: z.number() });
const typeCountSchema = z.object({ flag: z.string(), total: z.number(), open: z.number(), waiting: z.number(), overdue: z.number() });

/**
 * SQL ORDER BY of a view: the chosen column in the chosen direction, then urgency, then the flag id (a stable order for
 * paging). Within a priority the surer flag comes first: a flag resting on a name-only link carries that link's lower
 * probability as its score (a flag without a score rests on no link).
 */
function orderSql(ctx: Ctx, sort: QueueSort, dir: 'asc' | 'desc'): Sql {
  const urgency = sql`CASE WHEN ${todoSql(ctx)} THEN 0 WHEN ${waitingSql()} THEN 1 WHEN ${openSql()} THEN 2 ELSE 3 END, priority, coalesce(score, 1) DESC, due_on, county_code`;
  const d = dir === 'desc' ? sql`DESC` : sql`ASC`;
  const column: Record<Exclude<QueueSort, 'urgency'>, Sql> = {
    priority: sql`priority`,
    due: sql`due_on`,
    raised: sql`raised_on`,
    county: sql`county_code`,
    name: sql`child_name`,
    flag: sql`flag`,
    status: sql`status`,
  };
  if (sort === 'urgency') return dir === 'desc' ? sql`priority DESC, due_on DESC, county_code, flag_id` : sql`${urgency}, flag_id`;
  return sql`${column[sort]} ${d} NULLS LAST, ${urgency}, flag_id`;
}

/** The most rows one export of the queue holds (the whole filtered view, every page). */
export const QUEUE_EXPORT_LIMIT = 100_000;

/**
 * Every row of a view (all pages, in its order), for the export of the view; at most
 * QUEUE_EXPORT_LIMIT. Each with the child's full ID number, which a QueueRow never carries.
 */
export async function queueViewRows(ctx: Ctx, run: RunInfo, view: QueueView): Promise<(QueueRow & { childIdNumber: string | null })[]> {
  const rows = await queryAll(
    ctx.db,
    queueRecordSchema,
    sql`SELECT * FROM (${queueSql(ctx, run.runId)}) WHERE ${filterSql(ctx, view)}
         ORDER BY ${orderSql(ctx, view.sort ?? 'urgency', view.dir ?? 'asc')} LIMIT ${QUEUE_EXPORT_LIMIT}`,
  );
  return rows.map((r) => ({ ...toQueueRow(ctx, r), childIdNumber: r.child_id_number }));
}

export async function queue(ctx: Ctx, run: RunInfo, view: QueueView): Promise<QueueResult> {
  const base = queueSql(ctx, run.runId);
  const where = filterSql(ctx, view);
  const sort = view.sort ?? 'urgency';
  const dir = view.dir ?? 'asc';
  const size = Math.trunc(view.size ?? DEFAULT_PAGE_SIZE);
  const total = (await queryOne(ctx.db, countSchema, sql`SELECT count(*)::INTEGER AS n FROM (${base}) WHERE ${where}`))?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.trunc(view.page ?? 1)), pages);
  const rows = await queryAll(
    ctx.db,
    queueRecordSchema,
    sql`SELECT * FROM (${base}) WHERE ${where} ORDER BY ${orderSql(ctx, sort, dir)}
         LIMIT ${size}::INTEGER OFFSET ${(page - 1) * size}::INTEGER`,
  );
  const counts = await queryAll(
    ctx.db,
    typeCountSchema,
    sql`SELECT flag, count(*)::INTEGER AS total,
               count(*) FILTER (WHERE ${todoSql(ctx)})::INTEGER AS open,
               count(*) FILTER (WHERE ${waitingSql()})::INTEGER AS waiting,
               count(*) FILTER (WHERE ${overdueSql(ctx)})::INTEGER AS overdue
          FROM (${base}) WHERE ${filterSql(ctx, view, ['flag'])} GROUP BY flag`,
  );
  return {
    rows: rows.map((r) => toQueueRow(ctx, r)),
    total,
    page,
    size,
    pages,
    sort,
    dir,
    byType: Object.fromEntries(counts.map((c) => [c.flag, { total: c.total, open: c.open, waiting: c.waiting, overdue: c.overdue }])),
  };
}

/** One flag of the scope with everything the flag page shows. */
export interface FlagDetail extends QueueRow {
  flagKey: string;
  fingerprint: string;
  asOf: string;
  childIdNumber: string | null;
  childPersonId: string | null;
  /** JSON text of the evidence items. */
  evidence: string;
  /** JSON text of the rule's profile parameters. */
  params: string;
  effectiveFrom: string | null;
  overpaidMonths: number | null;
  /** 元 paid since the REMOVE took effect (profile.benefits.monthly); null without a standard. */
  overpaidAmount: number | null;
  score: number | null;
  previousCategory: string | null;
}

/** One flag in scope: of the given run, else of the latest run that has it. Null when missing or outside the scope. */
export async function findFlag(ctx: Ctx, flagId: string, runId?: string | null): Promise<FlagDetail | null> {
  const found = await queryOne(
    ctx.db,
    z.object({ run_id: z.string() }),
    sql`SELECT f.run_id FROM flags f JOIN runs r ON r.run_id = f.run_id
         WHERE f.flag_id = ${flagId} AND (${runId ?? null}::VARCHAR IS NULL OR f.run_id = ${runId ?? null})
           AND ${scopeSql(ctx.user, ctx.roles)} AND ${flagVisible(ctx, 'f')} AND r.status IN ('complete', 'incomplete')
         ORDER BY r.as_of DESC LIMIT 1`,
  );
  if (!found) return null;
  const r = await queryOne(ctx.db, queueRecordSchema, sql`SELECT * FROM (${queueSql(ctx, found.run_id)}) WHERE flag_id = ${flagId}`);
  if (!r) return null;
  return {
    ...toQueueRow(ctx, r),
    flagKey: r.flag_key,
    fingerprint: r.fingerprint,
    asOf: r.as_of,
    childIdNumber: r.child_id_number,
    childPersonId: r.child_person_id,
    evidence: r.evidence || '[]',
    params: r.params || '{}',
    effectiveFrom: r.effective_from,
    overpaidMonths: r.overpaid_months,
    overpaidAmount: r.overpaid_amount,
    score: r.score,
    previousCategory: r.previous_category,
  };
}
