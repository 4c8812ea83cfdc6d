import { beijingTime } from '../pipeline/timing.js';
import { join } from 'node:path';
import { regionInfo } from '../pipeline/identity/index.js';
import { queryOne, sql, type Db } from '../pipeline/store/index.js';
import { FEED_LABELS } from '../pipeline/feeds.js';
import type { FeedName } from '../config/index.js';
import { z } from 'zod';
import { categoryLabel, flagVisibleSql, FLAG_LABELS, FLAG_TYPES, STATUS_LABELS, type FlagRecord, type FlagStatus, type FlagType } from '../flags/index.js';
import { profileName } from '../review/index.js';
import { auditFile, countyPart, loadRunFlags, prepareExport, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, saveWorkbook, type Cell, type ColumnSpec } from './files.js';

export const SUMMARY_TEMPLATE_VERSION = 'summary-v1';

/** The review columns, by status (flags/status.ts): a REMOVE a reviewer confirmed waits for a supervisor, it is not 已确认 yet. */
type Bucket = 'confirmed' | 'awaiting_approval' | 'rejected' | 'needs_info' | 'pending';
const BUCKETS: readonly Bucket[] = ['confirmed', 'awaiting_approval', 'rejected', 'needs_info', 'pending'];
const BUCKET_HEADERS: Record<Bucket, string> = { confirmed: '已确认', awaiting_approval: STATUS_LABELS.awaiting_approval, rejected: '已驳回', needs_info: '待补充材料', pending: '待审核' };

const bucket = (status: FlagStatus): Bucket => (status === 'approved' ? 'confirmed' : status);

interface Counts {
  total: number;
  byFlag: Record<string, number>;
  byBucket: Record<Bucket, number>;
  newCount: number;
  persisting: number;
  /** 元 paid since the REMOVE flags took effect (overpaid_amount; profile.benefits.monthly). */
  overpaidAmount: number;
}

function emptyCounts(): Counts {
  return { total: 0, byFlag: {}, byBucket: { confirmed: 0, awaiting_approval: 0, rejected: 0, needs_info: 0, pending: 0 }, newCount: 0, persisting: 0, overpaidAmount: 0 };
}

function tally(groups: Map<string, Counts>, key: string, f: FlagRecord): void {
  const c = groups.get(key) ?? emptyCounts();
  c.total++;
  c.byFlag[f.flag] = (c.byFlag[f.flag] ?? 0) + 1;
  c.byBucket[bucket(f.status)]++;
  if (f.flag === 'REMOVE') c.overpaidAmount += f.overpaid_amount ?? 0;
  if (f.lifecycle === 'new') c.newCount++;
  if (f.lifecycle === 'persisting') c.persisting++;
  groups.set(key, c);
}

const decisionColumns: ColumnSpec[] = [
  ...BUCKETS.map((b) => ({ key: b, header: BUCKET_HEADERS[b], width: 11 })),
  { key: 'overpaid', header: '应退未退多发金额（元）', width: 20 },
];
const flagColumns: ColumnSpec[] = FLAG_TYPES.map((t) => ({ key: t, header: FLAG_LABELS[t], width: Math.max(10, FLAG_LABELS[t].length * 2 + 2) }));

function countCells(c: Counts): Record<string, Cell> {
  return {
    total: c.total,
    new: c.newCount,
    persisting: c.persisting,
    ...Object.fromEntries(FLAG_TYPES.map((t) => [t, c.byFlag[t] ?? 0])),
    ...Object.fromEntries(BUCKETS.map((b) => [b, c.byBucket[b]])),
    overpaid: Math.round(c.overpaidAmount * 100) / 100,
  };
}

function totalOf(groups: Map<string, Counts>): Counts {
  const t = emptyCounts();
  for (const c of groups.values()) {
    t.total += c.total;
    t.newCount += c.newCount;
    t.persisting += c.persisting;
    t.overpaidAmount += c.overpaidAmount;
    for (const [k, v] of Object.entries(c.byFlag)) t.byFlag[k] = (t.byFlag[k] ?? 0) + v;
    for (const b of BUCKETS) t.byBucket[b] += c.byBucket[b];
  }
  return t;
}

/**
 * The quarterly summary report (XLSX): counts by flag type, by category and by county, each
 * with the decisions made and pending, and a 说明 sheet (as-of date, run time, rule profile).
 */
export async function exportSummary(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  const flags = await loadRunFlags(db, ctx);

  const byType = new Map<string, Counts>();
  const byCategory = new Map<string, Counts>();
  const byCounty = new Map<string, Counts>();
  for (const t of FLAG_TYPES) byType.set(t, emptyCounts());
  for (const f of flags) {
    tally(byType, f.flag, f);
    tally(byCategory, f.category ?? f.previous_category ?? '', f);
    tally(byCounty, f.county_code ?? '', f);
  }

  const wb = newWorkbook();
  addSheet(wb, {
    name: '按标记类型',
    columns: [
      { key: 'label', header: '标记类型', width: 22, text: true },
      { key: 'code', header: '类型代码', width: 14, text: true },
      { key: 'total', header: '标记数', width: 10 },
      { key: 'new', header: '本期新发现', width: 12 },
      { key: 'persisting', header: '上期延续', width: 10 },
      ...decisionColumns,
    ],
    rows: [...byType].map(([code, c]) => ({ label: FLAG_LABELS[code as FlagType] ?? code, code, ...countCells(c) })),
    totals: [{ label: '合计', ...countCells(totalOf(byType)) }],
  });
  const groupColumns: ColumnSpec[] = [...flagColumns, { key: 'total', header: '合计', width: 10 }, ...decisionColumns];
  addSheet(wb, {
    name: '按保障类别',
    columns: [{ key: 'label', header: '保障类别', width: 20, text: true }, { key: 'code', header: '类别代码', width: 18, text: true }, ...groupColumns],
    rows: [...byCategory]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, c]) => ({ label: code ? categoryLabel(code) : '（未标明）', code, ...countCells(c) })),
    totals: [{ label: '合计', ...countCells(totalOf(byCategory)) }],
  });
  addSheet(wb, {
    name: '按区县',
    columns: [{ key: 'code', header: '区划代码', width: 12, text: true }, { key: 'label', header: '区县名称', width: 16, text: true }, ...groupColumns],
    rows: [...byCounty]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, c]) => ({ code, label: code ? (regionInfo(code).name ?? '') : '（未标明）', ...countCells(c) })),
    totals: [{ code: '合计', ...countCells(totalOf(byCounty)) }],
  });

  // Counted within the export's area only, like every other figure of the report, and without the
  // need-to-know grant without the HIV flags (a resolved or suppressed one would tell as much).
  const area = (p: string) => sql`starts_with(coalesce(${sql.trusted(p)}.county_code, ''), ${ctx.county ?? ''}) AND ${flagVisibleSql(ctx.needToKnow, p)}`;
  const extra = (await queryOne(
    db,
    z.object({ resolved: z.number(), suppressed: z.number() }),
    sql`SELECT (SELECT count(*)::INTEGER FROM resolved_flags r JOIN flags p ON p.run_id = r.previous_run_id AND p.flag_id = r.flag_id
             WHERE r.run_id = ${ctx.run.runId} AND ${area('p')}) AS resolved,
            (SELECT count(DISTINCT s.flag_key)::INTEGER FROM suppressed_flags s JOIN flags p ON p.flag_key = s.flag_key
             WHERE s.run_id = ${ctx.run.runId} AND ${area('p')}) AS suppressed`,
  ))!;
  const run = await queryOne(db, z.object({ missing: z.string().nullable() }), sql`SELECT CAST(summary->'missingFeeds' AS VARCHAR) AS missing FROM runs WHERE run_id = ${ctx.run.runId}`);
  const missingFeeds = (JSON.parse(run?.missing ?? '[]') as FeedName[]).map((f) => FEED_LABELS[f] ?? f);
  const total = totalOf(byType);
  const jurisdiction = (ctx.run.config as { jurisdiction?: { name?: unknown } } | null)?.jurisdiction?.name;
  addNotesSheet(wb, [
    ['报告名称', '季度比对汇总报告'],
    ['比对批次', ctx.run.runId],
    ['数据截止日期', ctx.run.asOf],
    ['运行开始时间', ctx.run.startedAt.slice(0, 19)],
    ['运行结束时间', ctx.run.finishedAt?.slice(0, 19) ?? ''],
    ['运行状态', ctx.run.status === 'complete' ? '已完成' : ctx.run.status === 'incomplete' ? '部分完成（有数据源缺失）' : ctx.run.status],
    ['规则配置', profileName(ctx.run.config)],
    ['辖区', typeof jurisdiction === 'string' ? jurisdiction : ''],
    ['区划范围', ctx.county ?? '全部'],
    ['上期比对批次', ctx.run.previousRunId ?? '（无）'],
    ['本季度未收到的应报送数据', missingFeeds.length ? `${missingFeeds.join('、')}（据此不判定依赖其记录缺失的标记，如“未入学”）` : '无'],
    ['标记总数', String(total.total)],
    ['已审核', `${total.byBucket.confirmed + total.byBucket.rejected + total.byBucket.needs_info}（已确认 ${total.byBucket.confirmed}，已驳回 ${total.byBucket.rejected}，待补充材料 ${total.byBucket.needs_info}）`],
    ['待主管复核', String(total.byBucket.awaiting_approval)],
    ['待审核', String(total.byBucket.pending)],
    ['上期标记已消除', String(extra.resolved)],
    ['因已驳回且证据未变而未再提出', String(extra.suppressed)],
    ['导出人', ctx.by],
    ['导出时间', beijingTime()],
    ['报告版本', SUMMARY_TEMPLATE_VERSION],
  ]);

  const file = { path: join(ctx.outDir, `季度比对汇总_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}.xlsx`), format: 'xlsx' as const, rows: flags.length, purpose: 'people' as const };
  await saveWorkbook(wb, file.path);
  await auditFile(db, ctx, 'summary', file, SUMMARY_TEMPLATE_VERSION);
  return { kind: 'summary', runId: ctx.run.runId, county: ctx.county, templateVersion: SUMMARY_TEMPLATE_VERSION, files: [file] };
}
