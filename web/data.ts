// Every read of the web review queue. Each query takes the signed-in user and applies the area
// scope in SQL (roles.ts scopeSql): a flag outside the scope is indistinguishable from a missing one.
import { FEED_SPECS, type FeedSpec, type FieldSpec } from '../pipeline/feeds.js';
import { codeLabel } from '../pipeline/identity/codes.js';
import { regionInfo } from '../pipeline/identity/id.js';
import { normalizeNameText } from '../pipeline/identity/name.js';
import { maskId } from '../pipeline/log.js';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { categoryLabel, flagLabel, parseEvidence, reasonLabel, statusLabel, type EvidenceItem, type FlagStatus } from '../flags/index.js';
import type { RunInfo } from '../review/index.js';
import { scopeSql, type Role, type RoleSettings, type User } from './roles.js';

export const RESTRICTED = '符合条件的情形（限制知悉）';

export interface SlaSettings {
  /** Days to decide an URGENT flag (from the run that raised it). */
  urgentDays: number;
  /** Other flags: the quarter after the as-of date (due at the end of the next quarter). */
  otherMonths: number;
}
export const DEFAULT_SLA: SlaSettings = { urgentDays: 3, otherMonths: 3 };

export interface Ctx {
  db: Db;
  user: User;
  roles: Readonly<Record<Role, RoleSettings>>;
  sla: SlaSettings;
  /** Today, 'YYYY-MM-DD' (tests fix it). */
  today: string;
}

export const canSeeRestricted = (ctx: Ctx) => ctx.roles[ctx.user.role].needToKnow;

export { STATUS_LABELS, OPEN_STATUSES } from '../flags/index.js';
import { OPEN_STATUSES, STATUS_LABELS } from '../flags/index.js';
export type QueueStatus = FlagStatus;

// TEMPORARY until web/ queries move to the sql template: flags/status.ts STATUS_SQL and
// latestDecisionsSql as text.
const STATUS_SQL = `CASE WHEN d.decision IS NULL THEN 'pending'
  WHEN d.decision = 'confirmed' AND f.flag = 'REMOVE' THEN 'awaiting_approval'
  ELSE d.decision END`;
const latestDecisionsSql = (runId: string) => `SELECT * FROM decisions WHERE run_id = ${lit(runId)}
  QUALIFY row_number() OVER (PARTITION BY flag_id ORDER BY decided_at DESC, decision_id DESC) = 1`;

export const AGE_FILTERS = {
  lt7: '7 天内',
  '7to30': '7–30 天',
  '30to90': '30–90 天',
  gt90: '90 天以上',
  overdue: '已超期',
} as const;
export type AgeFilter = keyof typeof AGE_FILTERS;

export interface QueueFilters {
  flag?: string;
  category?: string;
  reason?: string;
  priority?: number;
  status?: QueueStatus;
  age?: AgeFilter;
  q?: string;
  mine?: boolean;
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
  status: QueueStatus;
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
}

export function restrictedCategory(ctx: Ctx, category: string | null): string {
  if (!category) return '';
  if (category.split(':')[0] === 'HIV' && !canSeeRestricted(ctx)) return RESTRICTED;
  return categoryLabel(category);
}

export function countyName(code: string | null): string {
  if (!code) return '';
  return regionInfo(code).name ?? '';
}

/** The SQL of the scoped flags of a run with status, assignment and SLA columns. */
function queueSql(ctx: Ctx, run: RunInfo): string {
  const sla = ctx.sla;
  return `
SELECT f.flag_id, f.run_id, f.flag, f.reason, f.category, f.previous_category, f.child_name, f.child_id_number, f.child_ref,
       f.county_code, f.priority, f.lifecycle, d.decision, d.decided_by, CAST(d.decided_at AS VARCHAR) AS decided_at,
       a.assigned_to, ${STATUS_SQL} AS status,
       CAST(coalesce(r.finished_at, r.started_at, f.as_of)::DATE AS VARCHAR) AS raised_on,
       CAST(CASE WHEN f.flag = 'URGENT' THEN coalesce(r.finished_at, r.started_at, f.as_of)::DATE + ${Math.trunc(sla.urgentDays)}
                 ELSE last_day(f.as_of + INTERVAL ${Math.trunc(sla.otherMonths)} MONTH) END AS VARCHAR) AS due_on
  FROM flags f
  JOIN runs r ON r.run_id = f.run_id
  LEFT JOIN (${latestDecisionsSql(run.runId)}) d ON d.flag_id = f.flag_id
  LEFT JOIN flag_assignments a ON a.run_id = f.run_id AND a.flag_id = f.flag_id
 WHERE f.run_id = ${lit(run.runId)} AND ${scopeSql(ctx.user, ctx.roles)}`;
}

function filterSql(ctx: Ctx, f: QueueFilters, skip: (keyof QueueFilters)[] = []): string {
  const w: string[] = [];
  const use = (k: keyof QueueFilters) => f[k] !== undefined && f[k] !== '' && !skip.includes(k);
  if (use('flag')) w.push(`flag = ${lit(f.flag!)}`);
  if (use('category')) {
    // Without the need-to-know grant, a filter on the HIV category finds nothing (it would tell).
    if (f.category === 'HIV' && !canSeeRestricted(ctx)) w.push('FALSE');
    else w.push(`(split_part(category, ':', 1) = ${lit(f.category!)} OR category = ${lit(f.category!)})`);
  }
  if (use('reason')) w.push(`reason = ${lit(f.reason!)}`);
  if (use('priority')) w.push(`priority = ${Math.trunc(f.priority!)}`);
  if (use('status')) w.push(`status = ${lit(f.status!)}`);
  if (use('mine') && f.mine) w.push(`assigned_to = ${lit(ctx.user.username)}`);
  if (use('q')) {
    const q = f.q!.trim();
    w.push(`(contains(child_name, ${lit(q)}) OR child_ref = ${lit(q)} OR upper(child_id_number) = upper(${lit(q)}) OR flag_id = ${lit(q)})`);
  }
  if (use('age')) {
    const age = `date_diff('day', CAST(raised_on AS DATE), DATE ${lit(ctx.today)})`;
    const open = `status IN (${OPEN_STATUSES.map(lit).join(', ')})`;
    const cond: Record<AgeFilter, string> = {
      lt7: `${age} < 7`,
      '7to30': `${age} BETWEEN 7 AND 30`,
      '30to90': `${age} BETWEEN 31 AND 90`,
      gt90: `${age} > 90`,
      overdue: `${open} AND CAST(due_on AS DATE) < DATE ${lit(ctx.today)}`,
    };
    w.push(cond[f.age!]);
  }
  return w.length ? w.join(' AND ') : 'TRUE';
}

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** Reasons that tell a criminal record (RULES.md §4): a role without the grant sees that a Q status ended. */
const RESTRICTED_REASONS = new Set(['PARENT_RELEASED']);

export function visibleReason(ctx: Ctx, reason: string): string {
  return RESTRICTED_REASONS.has(reason) && !canSeeRestricted(ctx) ? '父母符合条件的情形已消失（限制知悉）' : reasonLabel(reason);
}

function toQueueRow(ctx: Ctx, r: Record<string, unknown>): QueueRow {
  const status = r.status as QueueStatus;
  const open = OPEN_STATUSES.includes(status);
  const dueOn = String(r.due_on);
  const daysLeft = open ? days(ctx.today, dueOn) : null;
  const category = (r.category as string | null) ?? null;
  return {
    flagId: String(r.flag_id),
    runId: String(r.run_id),
    flag: String(r.flag),
    flagLabel: flagLabel(String(r.flag)),
    reason: String(r.reason),
    reasonLabel: visibleReason(ctx, String(r.reason)),
    category,
    categoryLabel: restrictedCategory(ctx, category),
    previousCategoryLabel: restrictedCategory(ctx, (r.previous_category as string | null) ?? null),
    childName: (r.child_name as string | null) ?? null,
    childIdMasked: maskId(r.child_id_number as string | null),
    childRef: (r.child_ref as string | null) ?? null,
    countyCode: (r.county_code as string | null) ?? null,
    countyName: countyName((r.county_code as string | null) ?? null),
    priority: Number(r.priority),
    lifecycle: (r.lifecycle as string | null) ?? null,
    status,
    statusLabel: STATUS_LABELS[status] ?? statusLabel(status),
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
    assignedTo: (r.assigned_to as string | null) ?? null,
    raisedOn: String(r.raised_on),
    dueOn,
    ageDays: days(String(r.raised_on), ctx.today),
    daysLeft,
    overdue: daysLeft !== null && daysLeft < 0,
  };
}

export const QUEUE_LIMIT = 500;

export interface QueueResult {
  rows: QueueRow[];
  total: number;
  /** Count per flag type, under every filter but the type. */
  byType: Record<string, { total: number; open: number; overdue: number }>;
}

export async function queue(ctx: Ctx, run: RunInfo, filters: QueueFilters): Promise<QueueResult> {
  const base = queueSql(ctx, run);
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT * FROM (${base}) WHERE ${filterSql(ctx, filters)}
      ORDER BY CASE WHEN status IN (${OPEN_STATUSES.map(lit).join(', ')}) THEN 0 ELSE 1 END, priority, due_on, county_code, flag_id
      LIMIT ${QUEUE_LIMIT + 1}`,
  );
  const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(ctx.db, `SELECT count(*)::INTEGER AS n FROM (${base}) WHERE ${filterSql(ctx, filters)}`);
  const counts = await queryRows<{ flag: string; total: number; open: number; overdue: number }>(
    ctx.db,
    `SELECT flag, count(*)::INTEGER AS total,
            count(*) FILTER (WHERE status IN (${OPEN_STATUSES.map(lit).join(', ')}))::INTEGER AS open,
            count(*) FILTER (WHERE status IN (${OPEN_STATUSES.map(lit).join(', ')}) AND CAST(due_on AS DATE) < DATE ${lit(ctx.today)})::INTEGER AS overdue
       FROM (${base}) WHERE ${filterSql(ctx, filters, ['flag'])} GROUP BY flag`,
  );
  return {
    rows: rows.slice(0, QUEUE_LIMIT).map((r) => toQueueRow(ctx, r)),
    total: n,
    byType: Object.fromEntries(counts.map((c) => [c.flag, { total: c.total, open: c.open, overdue: c.overdue }])),
  };
}

/** The runs that have at least one flag in the user's scope (and complete or incomplete), newest first. */
export async function scopedRuns(ctx: Ctx): Promise<{ runId: string; asOf: string }[]> {
  return queryRows<{ runId: string; asOf: string }>(
    ctx.db,
    `SELECT r.run_id AS "runId", CAST(r.as_of AS VARCHAR) AS "asOf" FROM runs r
      WHERE r.status IN ('complete', 'incomplete')
        AND EXISTS (SELECT 1 FROM flags f WHERE f.run_id = r.run_id AND ${scopeSql(ctx.user, ctx.roles)})
      ORDER BY r.as_of DESC`,
  );
}

/** One flag row in scope: the given run, else the latest run that has it. Null when missing or outside the scope. */
export async function findFlag(ctx: Ctx, flagId: string, runId?: string | null): Promise<QueueRow & { flagKey: string; fingerprint: string; asOf: string; childIdNumber: string | null; childPersonId: string | null; evidence: string; params: string; effectiveFrom: string | null; overpaidMonths: number | null; score: number | null; previousCategory: string | null } | null> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT f.run_id FROM flags f JOIN runs r ON r.run_id = f.run_id
      WHERE f.flag_id = ${lit(flagId)} ${runId ? `AND f.run_id = ${lit(runId)}` : ''} AND ${scopeSql(ctx.user, ctx.roles)}
        AND r.status IN ('complete', 'incomplete')
      ORDER BY r.as_of DESC LIMIT 1`,
  );
  const found = rows[0];
  if (!found) return null;
  const run = { runId: String(found.run_id) } as RunInfo;
  const [r] = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT q.*, f.flag_key, f.fingerprint, CAST(f.as_of AS VARCHAR) AS as_of, f.child_person_id, CAST(f.evidence AS VARCHAR) AS evidence,
            CAST(f.params AS VARCHAR) AS params, CAST(f.effective_from AS VARCHAR) AS effective_from, f.overpaid_months, f.score
       FROM (${queueSql(ctx, run)}) q JOIN flags f ON f.run_id = q.run_id AND f.flag_id = q.flag_id
      WHERE q.flag_id = ${lit(flagId)}`,
  );
  if (!r) return null;
  return {
    ...toQueueRow(ctx, r),
    flagKey: String(r.flag_key),
    fingerprint: String(r.fingerprint),
    asOf: String(r.as_of),
    childIdNumber: (r.child_id_number as string | null) ?? null,
    childPersonId: (r.child_person_id as string | null) ?? null,
    evidence: String(r.evidence ?? '[]'),
    params: String(r.params ?? '{}'),
    effectiveFrom: (r.effective_from as string | null) ?? null,
    overpaidMonths: r.overpaid_months == null ? null : Number(r.overpaid_months),
    score: r.score == null ? null : Number(r.score),
    previousCategory: (r.previous_category as string | null) ?? null,
  };
}
export type FlagDetail = NonNullable<Awaited<ReturnType<typeof findFlag>>>;

export interface DecisionEntry {
  decisionId: number;
  decision: string;
  label: string;
  reason: string | null;
  decidedBy: string;
  decidedAt: string;
}

export async function flagDecisions(ctx: Ctx, flag: FlagDetail): Promise<DecisionEntry[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT decision_id, decision, reason, decided_by, CAST(decided_at AS VARCHAR) AS decided_at FROM decisions
      WHERE run_id = ${lit(flag.runId)} AND flag_id = ${lit(flag.flagId)} ORDER BY decided_at, decision_id`,
  );
  return rows.map((r) => ({
    decisionId: Number(r.decision_id),
    decision: String(r.decision),
    label: statusLabel(String(r.decision)),
    reason: (r.reason as string | null) ?? null,
    decidedBy: String(r.decided_by),
    decidedAt: String(r.decided_at).slice(0, 19),
  }));
}

export interface HistoryEntry {
  runId: string;
  asOf: string;
  flagId: string;
  flagLabel: string;
  reasonLabel: string;
  lifecycle: string | null;
  decision: string;
}

/** The same condition (flag_key) in every quarter, in scope. */
export async function flagHistory(ctx: Ctx, flag: FlagDetail): Promise<HistoryEntry[]> {
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT f.run_id, CAST(f.as_of AS VARCHAR) AS as_of, f.flag_id, f.flag, f.reason, f.lifecycle,
            (SELECT arg_max(d.decision, d.decision_id) FROM decisions d WHERE d.run_id = f.run_id AND d.flag_id = f.flag_id) AS decision
       FROM flags f WHERE f.flag_key = ${lit(flag.flagKey)} AND ${scopeSql(ctx.user, ctx.roles)}
      ORDER BY f.as_of DESC`,
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    asOf: String(r.as_of),
    flagId: String(r.flag_id),
    flagLabel: flagLabel(String(r.flag)),
    reasonLabel: visibleReason(ctx, String(r.reason)),
    lifecycle: (r.lifecycle as string | null) ?? null,
    decision: statusLabel((r.decision as string | null) ?? null),
  }));
}

// ---------- records side by side ----------

export { parseEvidence, type EvidenceItem };

export const FEED_LABELS: Readonly<Record<string, string>> = {
  registry: '儿童福利信息系统（保障名册）',
  death: '死亡（公安注销、卫健死亡证明、殡葬火化）',
  incarceration: '限制人身自由记录（司法、公安）',
  disability: '残疾人证（残联）',
  enrollment: '学籍（教育）',
};

export const ROLE_LABELS: Readonly<Record<string, string>> = {
  registry: '儿童本人（名册）',
  child: '儿童本人',
  subject: '本人',
  father: '父亲',
  mother: '母亲',
  carer: '委托照护人',
  guardian1: '监护人一',
  guardian2: '监护人二',
};

export interface RecordField {
  key: string;
  label: string;
  /** Shown value (ID numbers masked, restricted fields replaced). */
  value: string;
  /** Whether this is an ID number the user may ask to see ("显示"). */
  unmaskable: boolean;
}

export interface StoredRecord {
  feed: string;
  feedLabel: string;
  batchId: number;
  srcRow: number;
  srcLine: number | null;
  fileName: string | null;
  fields: RecordField[];
  /** Identity values per person role of the record, for the comparison. */
  identity: Record<string, Record<string, string | null>>;
}

const RESTRICTED_PARENT_STATUS = new Set(['INCARCERATED', 'COMPULSORY_REHAB', 'OTHER_RESTRICTION']);
const RESTRICTED_FIELDS: Record<string, string[]> = { incarceration: ['measure', 'institution'] };

function fieldValue(spec: FieldSpec, row: Record<string, unknown>): string {
  const v = row[spec.key];
  if (v === null || v === undefined || v === '') return '';
  const s = String(v);
  switch (spec.kind.type) {
    case 'id':
      return maskId(s);
    case 'region': {
      const name = regionInfo(s).name;
      return name ? `${s}（${name}）` : s;
    }
    case 'code': {
      const sub = row[`${spec.key}_subtype`];
      return codeLabel(spec.kind.set, s, sub == null ? null : String(sub)) ?? s;
    }
    case 'date':
      return s.slice(0, 10);
    default:
      return s;
  }
}

/** A stored feed row with Chinese labels, IDs masked and need-to-know fields replaced. */
export async function loadRecord(ctx: Ctx, feed: string, batchId: number, srcRow: number): Promise<StoredRecord | null> {
  const spec: FeedSpec | undefined = (FEED_SPECS as Record<string, FeedSpec>)[feed];
  if (!spec || !Number.isInteger(batchId) || !Number.isInteger(srcRow)) return null;
  const [row] = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT t.* EXCLUDE (raw), b.file_name FROM ${spec.table} t LEFT JOIN ingest_batches b USING (batch_id) WHERE t.batch_id = ${batchId} AND t.src_row = ${srcRow}`,
  );
  if (!row) return null;
  const grant = canSeeRestricted(ctx);
  const restricted = new Set(RESTRICTED_FIELDS[feed] ?? []);
  const hiv = feed === 'registry' && String(row.category ?? '') === 'HIV';
  const parentRestricted = feed === 'registry' && (RESTRICTED_PARENT_STATUS.has(String(row.father_status ?? '')) || RESTRICTED_PARENT_STATUS.has(String(row.mother_status ?? '')));
  const fields: RecordField[] = [];
  for (const f of spec.fields) {
    let value = fieldValue(f, row);
    if (!grant && value) {
      if (restricted.has(f.key)) value = RESTRICTED;
      if (hiv && (f.key === 'category' || f.key === 'basis')) value = RESTRICTED;
      if (parentRestricted && f.key === 'basis') value = RESTRICTED;
      if ((f.key === 'father_status' || f.key === 'mother_status') && RESTRICTED_PARENT_STATUS.has(String(row[f.key]))) value = RESTRICTED;
    }
    fields.push({ key: f.key, label: f.headers[0] ?? f.key, value, unmaskable: f.kind.type === 'id' && !!row[f.key] });
  }
  const identity: StoredRecord['identity'] = {};
  for (const p of spec.people) {
    const str = (k: string | undefined) => (k && row[k] != null ? String(row[k]) : null);
    identity[p.role] = {
      name: str(p.name),
      name_norm: normalizeNameText(str(p.name)),
      id: str(p.id),
      gender: str(p.gender) ?? str(`${p.id}_gender`),
      birth_date: (str(p.birthDate) ?? str(`${p.id}_birth_date`))?.slice(0, 10) ?? null,
    };
  }
  return {
    feed,
    feedLabel: FEED_LABELS[feed] ?? feed,
    batchId,
    srcRow,
    srcLine: row.src_line == null ? null : Number(row.src_line),
    fileName: (row.file_name as string | null) ?? null,
    fields,
    identity,
  };
}

/** The raw value of an ID column of a stored row (for an audited unmask). */
export async function recordIdValue(ctx: Ctx, feed: string, batchId: number, srcRow: number, column: string): Promise<string | null> {
  const spec: FeedSpec | undefined = (FEED_SPECS as Record<string, FeedSpec>)[feed];
  const field = spec?.fields.find((f) => f.key === column && f.kind.type === 'id');
  if (!spec || !field) return null;
  const [row] = await queryRows<{ v: string | null }>(ctx.db, `SELECT "${field.key}" AS v FROM ${spec.table} WHERE batch_id = ${Math.trunc(batchId)} AND src_row = ${Math.trunc(srcRow)}`);
  return row?.v ?? null;
}

/** The registry row of a flag: its registry evidence, else the child's latest registry row by child ref or ID. */
export async function registryRecordOf(ctx: Ctx, flag: FlagDetail): Promise<StoredRecord | null> {
  const ev = parseEvidence(flag.evidence).find((e) => e.feed === 'registry' && e.batch_id != null && e.src_row != null);
  if (ev) return loadRecord(ctx, 'registry', Number(ev.batch_id), Number(ev.src_row));
  const conds: string[] = [];
  if (flag.childRef) conds.push(`child_ref = ${lit(flag.childRef)}`);
  if (flag.childIdNumber) conds.push(`id_number = ${lit(flag.childIdNumber)}`);
  // Only a row of the flag's own county: the user's scope was checked on the flag, not on other rows.
  if (!conds.length || !flag.countyCode) return null;
  const [r] = await queryRows<{ batch_id: number; src_row: number }>(
    ctx.db,
    `SELECT batch_id, src_row FROM feed_registry WHERE (${conds.join(' OR ')}) AND region_code_county = ${lit(flag.countyCode)}
      ORDER BY batch_id DESC, src_row LIMIT 1`,
  );
  return r ? loadRecord(ctx, 'registry', Number(r.batch_id), Number(r.src_row)) : null;
}

export interface Comparison {
  label: string;
  left: string;
  right: string;
  agree: 'same' | 'different' | 'missing';
}

const IDENTITY_LABELS: Record<string, string> = { name: '姓名', id: '身份证号', gender: '性别', birth_date: '出生日期' };

/** The registry's view of a role (child, father, mother, carer) next to an evidence record's subject. */
export function compareIdentity(registry: StoredRecord | null, registryRole: string, evidence: StoredRecord, evidenceRole: string): Comparison[] {
  const a = registry?.identity[registryRole] ?? {};
  const b = evidence.identity[evidenceRole] ?? {};
  const out: Comparison[] = [];
  for (const key of ['name', 'id', 'gender', 'birth_date']) {
    const l = a[key] ?? null;
    const r = b[key] ?? null;
    const cmpL = key === 'name' ? (a.name_norm ?? l) : l;
    const cmpR = key === 'name' ? (b.name_norm ?? r) : r;
    const show = (v: string | null) => (v == null ? '' : key === 'id' ? maskId(v) : key === 'gender' ? (codeLabel('gender', v) ?? v) : v);
    out.push({
      label: IDENTITY_LABELS[key]!,
      left: show(l),
      right: show(r),
      agree: cmpL == null || cmpR == null ? 'missing' : cmpL.toUpperCase() === cmpR.toUpperCase() ? 'same' : 'different',
    });
  }
  return out;
}

// ---------- match explanation ----------

export interface MatchStep {
  comparison: string;
  label: string;
  level: string;
  weight: number;
}

export interface MatchExplanation {
  /** The other record of the link (its feed and role). */
  otherFeed: string;
  otherRole: string;
  probability: number;
  matchWeight: number;
  /** Prior log-odds (bits): match weight minus the comparison weights. */
  prior: number;
  steps: MatchStep[];
}

export const COMPARISON_LABELS: Readonly<Record<string, string>> = { id: '身份证号', name: '姓名', birth_date: '出生日期', gender: '性别', region: '户籍地' };

/**
 * How the linkage tied an evidence record to its person: the best link (person_links) of the
 * record's mention inside its cluster, preferring a link to a registry record. Null when the
 * record stands alone in its person or no linkage tables exist.
 */
export async function matchExplanation(ctx: Ctx, e: EvidenceItem): Promise<MatchExplanation | null> {
  if (e.batch_id == null || e.src_row == null) return null;
  const exists = await queryRows(ctx.db, `SELECT 1 FROM duckdb_tables() WHERE table_name IN ('persons', 'person_links') AND NOT temporary`);
  if (exists.length < 2) return null;
  const role = e.feed === 'registry' ? 'child' : 'subject';
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `WITH me AS (SELECT uid, person_id FROM persons WHERE batch_id = ${Math.trunc(Number(e.batch_id))} AND src_row = ${Math.trunc(Number(e.src_row))} AND role = ${lit(role)} LIMIT 1)
     SELECT l.match_probability, l.match_weight, CAST(l.explanation AS VARCHAR) AS explanation_json,
            l.explanation, o.feed AS other_feed, o.role AS other_role
       FROM person_links l, me
       JOIN persons o ON o.person_id = me.person_id AND o.uid <> me.uid
      WHERE l.match_class = 'linked' AND ((l.uid_l = me.uid AND l.uid_r = o.uid) OR (l.uid_r = me.uid AND l.uid_l = o.uid))
      ORDER BY CASE WHEN o.feed = 'registry' THEN 0 ELSE 1 END, l.match_probability DESC LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return null;
  // level_zh: the caseworker's label of the level, written beside the level in the linkage settings (labelZh).
  const raw = Array.isArray(r.explanation) ? (r.explanation as { comparison: string; level: string; level_zh?: string; weight: number }[]) : [];
  const steps = raw.map((s) => ({
    comparison: String(s.comparison),
    label: COMPARISON_LABELS[String(s.comparison)] ?? String(s.comparison),
    level: String(s.level_zh ?? s.level ?? '缺失'),
    weight: Number(s.weight),
  }));
  const matchWeight = Number(r.match_weight);
  const sum = steps.reduce((a, s) => a + s.weight, 0);
  return {
    otherFeed: String(r.other_feed),
    otherRole: String(r.other_role),
    probability: Number(r.match_probability),
    matchWeight,
    prior: Math.round((matchWeight - sum) * 100) / 100,
    steps,
  };
}

// ---------- rule explanation ----------

export const PARAM_LABELS: Readonly<Record<string, string>> = {
  restriction: '限制人身自由',
  minMonths: '最少月数',
  measure: '措施范围',
  severeDisability: '重残认定',
  anyType: '任一类别的等级',
  mentalIntellectual: '精神/智力残疾的等级',
  lostContact: '失联',
  difficulty: '困境儿童',
  education: '义务教育',
  minAge: '最小年龄',
  maxAge: '最大年龄',
  ageReferenceDay: '年龄计算基准日',
  urgent: '紧急关爱',
  windowDays: '时间窗（天）',
  watch: '预警',
  horizonMonths: '预警期（月）',
  adultAge: '成年年龄',
};

/** Profile parameters as "label: value" lines (nested keys joined). */
export function paramLines(json: string): { key: string; label: string; value: string }[] {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch {
    return [];
  }
  const out: { key: string; label: string; value: string }[] = [];
  const walk = (o: unknown, path: string[]) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) walk(v, [...path, k]);
      return;
    }
    out.push({ key: path.join('.'), label: path.map((k) => PARAM_LABELS[k] ?? k).join(' · '), value: Array.isArray(o) ? o.join('、') : String(o) });
  };
  walk(p, []);
  return out;
}

// ---------- dashboard ----------

export interface DashboardData {
  run: { runId: string; asOf: string } | null;
  county: string | null;
  byType: { flag: string; label: string; total: number; open: number; decided: number; overdue: number }[];
  byCategory: { label: string; total: number }[];
  byCounty: { code: string; name: string; total: number; open: number; decided: number; overdue: number }[];
  decisions: { label: string; n: number }[];
  trend: { runId: string; asOf: string; byType: Record<string, number>; total: number }[];
}

export async function dashboard(ctx: Ctx, run: RunInfo | null, county: string | null): Promise<DashboardData> {
  const countyWhere = county ? `starts_with(county_code, ${lit(county)})` : 'TRUE';
  if (!run) return { run: null, county, byType: [], byCategory: [], byCounty: [], decisions: [], trend: [] };
  const base = `SELECT * FROM (${queueSql(ctx, run)}) WHERE ${countyWhere}`;
  const open = `status IN (${OPEN_STATUSES.map(lit).join(', ')})`;
  const overdue = `${open} AND CAST(due_on AS DATE) < DATE ${lit(ctx.today)}`;
  const byType = await queryRows<{ flag: string; total: number; open: number; overdue: number }>(
    ctx.db,
    `SELECT flag, count(*)::INTEGER AS total, count(*) FILTER (WHERE ${open})::INTEGER AS open, count(*) FILTER (WHERE ${overdue})::INTEGER AS overdue
       FROM (${base}) GROUP BY flag ORDER BY min(priority), flag`,
  );
  const byCat = await queryRows<{ category: string | null; total: number }>(
    ctx.db,
    `SELECT split_part(coalesce(category, previous_category, ''), ':', 1) AS category, count(*)::INTEGER AS total FROM (${base}) GROUP BY 1 ORDER BY 2 DESC`,
  );
  const catMap = new Map<string, number>();
  for (const c of byCat) {
    const label = c.category ? restrictedCategory(ctx, c.category) : '（未标明）';
    catMap.set(label, (catMap.get(label) ?? 0) + c.total);
  }
  const byCounty = await queryRows<{ code: string | null; total: number; open: number; overdue: number }>(
    ctx.db,
    `SELECT county_code AS code, count(*)::INTEGER AS total, count(*) FILTER (WHERE ${open})::INTEGER AS open, count(*) FILTER (WHERE ${overdue})::INTEGER AS overdue
       FROM (${base}) GROUP BY 1 ORDER BY 1`,
  );
  const dec = await queryRows<{ status: QueueStatus; n: number }>(ctx.db, `SELECT status, count(*)::INTEGER AS n FROM (${base}) GROUP BY 1 ORDER BY 1`);
  const trendRows = await queryRows<{ run_id: string; as_of: string; flag: string; n: number }>(
    ctx.db,
    `SELECT f.run_id, CAST(r.as_of AS VARCHAR) AS as_of, f.flag, count(*)::INTEGER AS n
       FROM flags f JOIN runs r ON r.run_id = f.run_id
      WHERE r.status IN ('complete', 'incomplete') AND r.as_of <= DATE ${lit(run.asOf)} AND ${scopeSql(ctx.user, ctx.roles)}
        ${county ? `AND starts_with(f.county_code, ${lit(county)})` : ''}
      GROUP BY ALL ORDER BY as_of`,
  );
  const trend = new Map<string, DashboardData['trend'][number]>();
  for (const t of trendRows) {
    const e = trend.get(t.run_id) ?? { runId: t.run_id, asOf: t.as_of, byType: {}, total: 0 };
    e.byType[t.flag] = t.n;
    e.total += t.n;
    trend.set(t.run_id, e);
  }
  return {
    run: { runId: run.runId, asOf: run.asOf },
    county,
    byType: byType.map((t) => ({ flag: t.flag, label: flagLabel(t.flag), total: t.total, open: t.open, decided: t.total - t.open, overdue: t.overdue })),
    byCategory: [...catMap].map(([label, total]) => ({ label, total })),
    byCounty: byCounty.map((c) => ({ code: c.code ?? '', name: countyName(c.code), total: c.total, open: c.open, decided: c.total - c.open, overdue: c.overdue })),
    decisions: dec.map((d) => ({ label: STATUS_LABELS[d.status] ?? d.status, n: d.n })),
    trend: [...trend.values()].slice(-8),
  };
}

// ---------- audit ----------

export interface AuditFilters {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  target?: string;
}

export interface AuditRow {
  auditId: number;
  loggedAt: string;
  actor: string;
  action: string;
  runId: string | null;
  target: string | null;
  rows: number | null;
  detail: string | null;
}

/**
 * The audit log a user may read: an admin all of it; a supervisor the rows of users whose areas lie
 * in its city and the rows about its flags; anyone else only their own actions.
 */
export async function auditRows(ctx: Ctx, f: AuditFilters, limit = 500): Promise<AuditRow[]> {
  const settings = ctx.roles[ctx.user.role];
  let scope: string;
  if (settings.allAreas && settings.readsAudit) scope = 'TRUE';
  else if (settings.readsAudit) {
    const inArea = scopeSql(ctx.user, ctx.roles, 'x');
    scope = `(a.actor = ${lit(ctx.user.username)}
      OR a.actor IN (SELECT u.username FROM users u WHERE len(u.areas) > 0 AND u.role <> 'admin' AND list_bool_and(list_transform(u.areas, x -> ${inArea})))
      OR a.target IN (SELECT f.flag_id FROM flags f WHERE ${scopeSql(ctx.user, ctx.roles)}))`;
  } else scope = `a.actor = ${lit(ctx.user.username)}`;
  const w = [scope];
  if (f.actor) w.push(`a.actor = ${lit(f.actor)}`);
  if (f.action) w.push(`a.action = ${lit(f.action)}`);
  if (f.target) w.push(`contains(a.target, ${lit(f.target)})`);
  if (f.from) w.push(`a.logged_at >= DATE ${lit(f.from)}`);
  if (f.to) w.push(`a.logged_at < DATE ${lit(f.to)} + INTERVAL 1 DAY`);
  const rows = await queryRows<Record<string, unknown>>(
    ctx.db,
    `SELECT a.audit_id, CAST(a.logged_at AS VARCHAR) AS logged_at, a.actor, a.action, a.run_id, a.target, a.rows, CAST(a.detail AS VARCHAR) AS detail
       FROM audit_log a WHERE ${w.join(' AND ')} ORDER BY a.audit_id DESC LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map((r) => ({
    auditId: Number(r.audit_id),
    loggedAt: String(r.logged_at).slice(0, 19),
    actor: String(r.actor),
    action: String(r.action),
    runId: (r.run_id as string | null) ?? null,
    target: (r.target as string | null) ?? null,
    rows: r.rows == null ? null : Number(r.rows),
    detail: (r.detail as string | null) ?? null,
  }));
}
