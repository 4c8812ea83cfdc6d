// The flag page's queries: its decisions, the same condition in other quarters, the stored
// records behind it (registry row and evidence, labelled, masked and need-to-know filtered), the
// identity comparison of two records and the linkage's explanation of a match.
import { z } from 'zod';
import { flagLabel, parseEvidence, statusLabel, type EvidenceItem } from '../../flags/index.js';
import { FEED_SPECS, type FeedSpec, type FieldSpec } from '../../pipeline/feeds.js';
import { codeLabel, normalizeNameText, regionInfo } from '../../pipeline/identity/index.js';
import { maskId } from '../../pipeline/log.js';
import { ident, queryAll, queryOne, sql, type Sql } from '../../pipeline/store/index.js';
import type { Ctx } from '../context.js';
import { COMPARISON_LABELS, FEED_LABELS, IDENTITY_LABELS } from '../labels.js';
import { flagVisible, restrictedFeedHidden, visibleFieldValue, visibleReason } from '../privacy.js';
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
    label: statusLabel(r.decision),
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
  decision: string;
}

const historySchema = z.object({
  run_id: z.string(),
  as_of: z.string(),
  flag_id: z.string(),
  flag: z.string(),
  reason: z.string(),
  lifecycle: z.string().nullable(),
  decision: z.string().nullable(),
});

/** The same condition (flag_key) in every quarter, in scope. */
export async function flagHistory(ctx: Ctx, flag: FlagDetail): Promise<HistoryEntry[]> {
  const rows = await queryAll(
    ctx.db,
    historySchema,
    sql`SELECT f.run_id, CAST(f.as_of AS VARCHAR) AS as_of, f.flag_id, f.flag, f.reason, f.lifecycle,
               (SELECT arg_max(d.decision, d.decision_id) FROM decisions d WHERE d.run_id = f.run_id AND d.flag_id = f.flag_id) AS decision
          FROM flags f WHERE f.flag_key = ${flag.flagKey} AND ${scopeSql(ctx.user, ctx.roles)} AND ${flagVisible(ctx, 'f')}
         ORDER BY f.as_of DESC`,
  );
  return rows.map((r) => ({
    runId: r.run_id,
    asOf: r.as_of,
    flagId: r.flag_id,
    flagLabel: flagLabel(r.flag),
    reasonLabel: visibleReason(ctx, r.reason),
    lifecycle: r.lifecycle,
    decision: statusLabel(r.decision),
  }));
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
      return s;
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
  const fields: RecordField[] = spec.fields.map((f) => ({
    key: f.key,
    label: f.headers[0] ?? f.key,
    value: visibleFieldValue(ctx, feed, row, f.key, fieldValue(f, row)),
    unmaskable: f.kind.type === 'id' && !!row[f.key],
  }));
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
export async function matchExplanation(ctx: Ctx, e: EvidenceItem): Promise<MatchExplanation | null> {
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
  };
}
