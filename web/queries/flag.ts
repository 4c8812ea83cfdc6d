// The flag page's queries: its decisions, the same condition in other quarters, the stored
// records behind it (registry row and evidence, labelled, masked and need-to-know filtered), the
// identity comparison of two records and the linkage's explanation of a match.
import { z } from 'zod';
import { flagLabel, flagsWithStatus, parseEvidence, statusLabel, type EvidenceItem } from '../../flags/index.js';
import { FEED_SPECS, type FeedSpec, type FieldSpec } from '../../pipeline/feeds.js';
import { codeLabel, normalizeNameText, regionInfo } from '../../pipeline/identity/index.js';
import { maskEmbeddedId, maskId } from '../../pipeline/log.js';
import { ident, queryAll, queryOne, sql, type Sql } from '../../pipeline/store/index.js';
import type { Ctx } from '../context.js';
import { COMPARISON_LABELS, DECISION_LABELS, FEED_LABELS, IDENTITY_LABELS } from '../labels.js';
import { flagVisible, RESTRICTED, restrictedFeedHidden, visibleFieldValue, visibleReason } from '../privacy.js';
import { scopeSql } from '../roles.js';
import type { FlagDetail } from './queue.js';

export interface DecisionEntry {
  decisionId: number;
  decision: string;
  label: string;
  reason: string | null;
  decidedBy: string;
  decidedAt: string;
}

const decisionSchema = z.object({ decision_id: z.number(), decision: z.string(), reason: z.string().nullable(), decided_by: z.string(), decided_at: z.string() });

export async function flagDecisions(ctx: Ctx, flag: FlagDetail): Promise<DecisionEntry[]> {
  const rows = await queryAll(
    ctx.db,
    decisionSchema,
    sql`SELECT decision_id, decision, reason, decided_by, CAST(decided_at AS VARCHAR) AS decided_at FROM decisions
         WHERE run_id = ${flag.runId} AND flag_id = ${flag.flagId} ORDER BY decided_at, decision_id`,
  );
  return rows.map((r) => ({
    decisionId: r.decision_id,
    decision: r.decision,
    label: DECISION_LABELS[r.decision] ?? statusLabel(r.decision),
    reason: r.reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at.slice(0, 19),
  }));
}

export interface HistoryEntry {
  runId: string;
  asOf: string;
  flagId: string;
  flagLabel: string;
  reasonLabel: string;
  lifecycle: string | null;
  /** The status of the one status model (flags/status.ts), as the queue and the exports read it. */
  status: string;
  statusLabel: string;
}

const historySchema = z.object({
  run_id: z.string(),
  as_of: z.string(),
  flag_id: z.string(),
  flag: z.string(),
  reason: z.string(),
  lifecycle: z.string().nullable(),
});

/** The same condition (flag_key) in every quarter, in scope, with its status in that quarter. */
export async function flagHistory(ctx: Ctx, flag: FlagDetail): Promise<HistoryEntry[]> {
  const rows = await queryAll(
    ctx.db,
    historySchema,
    sql`SELECT f.run_id, CAST(f.as_of AS VARCHAR) AS as_of, f.flag_id, f.flag, f.reason, f.lifecycle
          FROM flags f WHERE f.flag_key = ${flag.flagKey} AND ${scopeSql(ctx.user, ctx.roles)} AND ${flagVisible(ctx, 'f')}
         ORDER BY f.as_of DESC`,
  );
  const out: HistoryEntry[] = [];
  for (const r of rows) {
    // A handful of quarters: one status query each keeps the status rule in flags/ alone.
    const st = await queryOne(ctx.db, z.object({ status: z.string() }), sql`SELECT status FROM (${flagsWithStatus(r.run_id)}) WHERE flag_id = ${r.flag_id}`);
    const status = st?.status ?? 'pending';
    out.push({
      runId: r.run_id,
      asOf: r.as_of,
      flagId: r.flag_id,
      flagLabel: flagLabel(r.flag),
      reasonLabel: visibleReason(ctx, r.reason),
      lifecycle: r.lifecycle,
      status,
      statusLabel: statusLabel(status),
    });
  }
  return out;
}

// ---------- stored records ----------

export { parseEvidence, type EvidenceItem };

export interface RecordField {
  key: string;
  label: string;
  /** Shown value (ID numbers masked, restricted fields replaced). */
  value: string;
  /** Whether this is an ID number the user may ask to see ("显示"). */
  unmaskable: boolean;
  /** The field's kind in the feed contract (pipeline/feeds.ts): 'date', 'id', 'code', … */
  kind: FieldSpec['kind']['type'];
  /** The person role (FeedSpec.people) whose identity this field is, or null for a fact of the record. */
  person: string | null;
  /** A date field's value as YYYY-MM-DD (what the rules compare), else null. */
  iso: string | null;
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
      return maskEmbeddedId(s);
  }
}

const feedSpec = (feed: string): FeedSpec | undefined => (FEED_SPECS as Record<string, FeedSpec>)[feed];
const anyRow = z.record(z.string(), z.unknown());

/** A stored feed row with Chinese labels, IDs masked and need-to-know fields replaced. */
export async function loadRecord(ctx: Ctx, feed: string, batchId: number, srcRow: number): Promise<StoredRecord | null> {
  const spec = feedSpec(feed);
  if (!spec || !Number.isInteger(batchId) || !Number.isInteger(srcRow)) return null;
  const row = await queryOne(
    ctx.db,
    anyRow,
    sql`SELECT t.* EXCLUDE (raw), b.file_name FROM ${ident(spec.table)} t LEFT JOIN ingest_batches b USING (batch_id)
         WHERE t.batch_id = ${batchId}::BIGINT AND t.src_row = ${srcRow}::BIGINT`,
  );
  if (!row) return null;
  const personOf = new Map<string, string>();
  for (const p of spec.people) for (const k of [p.name, p.id, p.gender, p.birthDate]) if (k) personOf.set(k, p.role);
  const fields: RecordField[] = spec.fields.map((f) => {
    const value = visibleFieldValue(ctx, feed, row, f.key, fieldValue(f, row));
    return {
      key: f.key,
      label: f.headers[0] ?? f.key,
      value,
      unmaskable: f.kind.type === 'id' && !!row[f.key],
      kind: f.kind.type,
      person: personOf.get(f.key) ?? null,
      iso: f.kind.type === 'date' && row[f.key] != null && value !== RESTRICTED ? String(row[f.key]).slice(0, 10) : null,
    };
  });
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
    // A person listed with a relation (a school record's guardians): also known as that parent.
    const relation = str(`${p.role}_relation`);
    if (relation === 'FATHER' || relation === 'MOTHER') identity[relation.toLowerCase()] ??= identity[p.role]!;
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
  const spec = feedSpec(feed);
  const field = spec?.fields.find((f) => f.key === column && f.kind.type === 'id');
  if (!spec || !field) return null;
  const row = await queryOne(
    ctx.db,
    z.object({ v: z.string().nullable() }),
    sql`SELECT ${ident(field.key)} AS v FROM ${ident(spec.table)} WHERE batch_id = ${Math.trunc(batchId)}::BIGINT AND src_row = ${Math.trunc(srcRow)}::BIGINT`,
  );
  return row?.v ?? null;
}

/** The registry row of a flag: its registry evidence, else the child's latest registry row by child ref or ID. */
export async function registryRecordOf(ctx: Ctx, flag: FlagDetail): Promise<StoredRecord | null> {
  const ev = parseEvidence(flag.evidence).find((e) => e.feed === 'registry' && e.batch_id != null && e.src_row != null);
  if (ev) return loadRecord(ctx, 'registry', Number(ev.batch_id), Number(ev.src_row));
  const conds: Sql[] = [];
  if (flag.childRef) conds.push(sql`child_ref = ${flag.childRef}`);
  if (flag.childIdNumber) conds.push(sql`id_number = ${flag.childIdNumber}`);
  // Only a row of the flag's own county: the user's scope was checked on the flag, not on other rows.
  if (!conds.length || !flag.countyCode) return null;
  const r = await queryOne(
    ctx.db,
    z.object({ batch_id: z.coerce.number(), src_row: z.coerce.number() }),
    sql`SELECT batch_id, src_row FROM feed_registry WHERE (${sql.join(conds, sql` OR `)}) AND region_code_county = ${flag.countyCode}
         ORDER BY batch_id DESC, src_row LIMIT 1`,
  );
  return r ? loadRecord(ctx, 'registry', r.batch_id, r.src_row) : null;
}

/**
 * The child's own school record (学籍) for a flag without a registry row (an ADD): the latest
 * enrollment record of the child's person in the linkage, else one with the child's ID number.
 */
export async function childSchoolRecord(ctx: Ctx, flag: FlagDetail): Promise<StoredRecord | null> {
  const conds: Sql[] = [];
  const tables = await queryAll(ctx.db, z.object({ n: z.string() }), sql`SELECT table_name AS n FROM duckdb_tables() WHERE table_name = 'persons' AND NOT temporary`);
  if (flag.childPersonId && tables.length) {
    conds.push(sql`(t.batch_id, t.src_row) IN (SELECT (p.batch_id, p.src_row) FROM persons p WHERE p.person_id = ${flag.childPersonId} AND p.feed = 'enrollment' AND p.role = 'subject')`);
  }
  if (flag.childIdNumber) conds.push(sql`t.id_number = ${flag.childIdNumber}`);
  if (!conds.length) return null;
  const r = await queryOne(
    ctx.db,
    z.object({ batch_id: z.coerce.number(), src_row: z.coerce.number() }),
    sql`SELECT t.batch_id, t.src_row FROM feed_enrollment t WHERE ${sql.join(conds, sql` OR `)}
         ORDER BY t.as_of DESC NULLS LAST, t.batch_id DESC, t.src_row LIMIT 1`,
  );
  return r ? loadRecord(ctx, 'enrollment', r.batch_id, r.src_row) : null;
}

/** Why a flag's child is not on the roll (an ADD): never registered, or registered and stopped. */
export async function rosterStanding(ctx: Ctx, flag: FlagDetail, registry: StoredRecord | null, school: StoredRecord | null): Promise<string> {
  if (registry) {
    const get = (k: string) => registry.fields.find((f) => f.key === k)?.value || '';
    const paid = get('last_paid_month');
    return `保障名册中有该儿童的记录（${get('category') || '类别不详'}），但保障状态为“${get('status') || '不详'}”${paid ? `，最后发放月份 ${paid}` : ''}：按现有数据应重新纳入保障。`;
  }
  const n = await queryOne(ctx.db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM feed_registry`);
  return `保障名册（共 ${n?.n ?? 0} 条记录）中没有该儿童：按身份证号、姓名和出生日期都没有找到与其为同一人的名册记录。该儿童是从${school ? '学籍等' : ''}部门数据中发现的${school ? '' : '（见下面的证据）'}。`;
}

export interface Fact {
  label: string;
  value: string;
  /** A date the rule used (the evidence's date, the effective date, or the event the effective date follows). */
  used: boolean;
  restricted: boolean;
}

const nextMonthStart = (d: string) => {
  const [y, m] = d.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
};

/**
 * The facts of an evidence record the rule read, from its feed contract: every field that is not the
 * compared person's identity, in contract order, with the dates the rule used marked — the
 * evidence item's date, the flag's effective date, or the event that date follows (effective
 * dates start the month after an event: a release, a death, a cancelled certificate). Generic over
 * feeds: a new feed's fields appear as its contract names them.
 */
export function recordFacts(record: StoredRecord, comparedRole: string, flag: { effectiveFrom: string | null }, item: { date: string | null } | null): Fact[] {
  const used = (iso: string | null) =>
    iso !== null && (iso === item?.date || iso === flag.effectiveFrom || (flag.effectiveFrom !== null && nextMonthStart(iso) === flag.effectiveFrom && iso < flag.effectiveFrom));
  const facts: Fact[] = record.fields
    .filter((f) => f.value && f.person !== comparedRole)
    .map((f) => ({ label: f.label, value: f.value, used: used(f.iso), restricted: f.value === RESTRICTED }));
  // A term (start to expected end) in months, when the record has both dates.
  const start = record.fields.find((f) => f.key === 'start_date')?.iso;
  const end = record.fields.find((f) => f.key === 'end_date')?.iso;
  if (start && end && end > start) {
    const [ys, ms, ds] = start.split('-').map(Number) as [number, number, number];
    const [ye, me, de] = end.split('-').map(Number) as [number, number, number];
    const months = (ye - ys) * 12 + (me - ms) - (de < ds ? 1 : 0);
    facts.push({ label: '期限', value: `${months} 个月（${start} 至 ${end}）`, used: false, restricted: false });
  }
  return facts;
}

export interface Comparison {
  label: string;
  left: string;
  right: string;
  agree: 'same' | 'different' | 'missing';
}

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
  /** A sure link (probability ≥ 99.95%, no comparison against it): shown as one line, the chart on request. */
  exact: boolean;
}

const linkSchema = z.object({
  match_probability: z.coerce.number(),
  match_weight: z.coerce.number(),
  explanation: z.unknown(),
  other_feed: z.string(),
  other_role: z.string(),
});

/**
 * How the linkage tied an evidence record to its person: the best link (person_links) of the
 * record's mention inside its cluster, preferring a link to a registry record. Null when the
 * record stands alone in its person or no linkage tables exist.
 */
export async function matchExplanation(ctx: Ctx, e: Pick<EvidenceItem, 'feed' | 'batch_id' | 'src_row'>): Promise<MatchExplanation | null> {
  if (e.batch_id == null || e.src_row == null) return null;
  const tables = await queryAll(
    ctx.db,
    z.object({ table_name: z.string() }),
    sql`SELECT table_name FROM duckdb_tables() WHERE table_name IN ('persons', 'person_links') AND NOT temporary`,
  );
  if (tables.length < 2) return null;
  const role = e.feed === 'registry' ? 'child' : 'subject';
  const r = await queryOne(
    ctx.db,
    linkSchema,
    sql`WITH me AS (SELECT uid, person_id FROM persons
                     WHERE batch_id = ${Math.trunc(Number(e.batch_id))}::BIGINT AND src_row = ${Math.trunc(Number(e.src_row))}::BIGINT AND role = ${role} LIMIT 1)
        SELECT l.match_probability, l.match_weight, l.explanation, o.feed AS other_feed, o.role AS other_role
          FROM person_links l, me
          JOIN persons o ON o.person_id = me.person_id AND o.uid <> me.uid
         WHERE l.match_class = 'linked' AND ${restrictedFeedHidden(ctx, sql`o.feed`)} AND ((l.uid_l = me.uid AND l.uid_r = o.uid) OR (l.uid_r = me.uid AND l.uid_l = o.uid))
         ORDER BY CASE WHEN o.feed = 'registry' THEN 0 ELSE 1 END, l.match_probability DESC LIMIT 1`,
  );
  if (!r) return null;
  // level_zh: the caseworker's label of the level, written beside the level in the linkage settings (labelZh).
  const raw = Array.isArray(r.explanation) ? (r.explanation as { comparison: string; level: string; level_zh?: string; weight: number }[]) : [];
  const steps = raw.map((s) => ({
    comparison: String(s.comparison),
    label: COMPARISON_LABELS[String(s.comparison)] ?? String(s.comparison),
    level: String(s.level_zh ?? s.level ?? '缺失'),
    weight: Number(s.weight),
  }));
  const sum = steps.reduce((a, s) => a + s.weight, 0);
  return {
    otherFeed: r.other_feed,
    otherRole: r.other_role,
    probability: r.match_probability,
    matchWeight: r.match_weight,
    prior: Math.round((r.match_weight - sum) * 100) / 100,
    steps,
    exact: r.match_probability >= 0.9995 && steps.every((x) => x.weight >= 0),
  };
}
