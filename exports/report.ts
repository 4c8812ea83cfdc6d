// The quarterly report a bureau sends upward (季度比对报告): one set of tables — counts by flag
// type, category and county with the decisions made and pending, overdue flags, the overpaid
// money, missing feeds, data quality per feed, the trend over past quarters — written as a PDF
// with charts (report-pdf.ts) and beside it as a printable XLSX. Both files carry the same figures.
import { join } from 'node:path';
import { z } from 'zod';
import type { FeedName } from '../config/index.js';
import { findingLabel, quarantineReasonLabel } from '../connectors/index.js';
import {
  categoryLabel,
  DEFAULT_SLA,
  dueOnSql,
  flagLabel,
  flagsWithStatus,
  flagVisibleSql,
  FLAG_LABELS,
  FLAG_TYPES,
  OPEN_STATUSES,
  RESTRICTED_ROW_FEEDS,
  statusLabel,
  STATUS_LABELS,
  type FlagRecord,
  type FlagStatus,
  type FlagType,
} from '../flags/index.js';
import { FEED_LABELS } from '../pipeline/feeds.js';
import { regionInfo } from '../pipeline/identity/index.js';
import { queryAll, queryOne, sql, textList, type Db } from '../pipeline/store/index.js';
import { beijingTime } from '../pipeline/timing.js';
import { profileName } from '../review/index.js';
import { auditFile, countyPart, exportReasonLabel, loadRunFlags, prepareExport, type ExportContext, type ExportedFile, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, saveWorkbook, type Cell, type ColumnSpec } from './files.js';

export const REPORT_VERSION = 'report-v1';
export const REPORT_TITLE = '季度比对报告';

/** One colour per flag type, in every chart of the report. */
export const FLAG_COLORS: Readonly<Record<FlagType, string>> = {
  URGENT: '#c0392b',
  REMOVE: '#d35400',
  ADD: '#2f6fb0',
  RECLASSIFY: '#8e44ad',
  EDUCATION: '#27ae60',
  WATCH: '#7f8c8d',
};

/** The review columns, by status (flags/status.ts): a REMOVE a reviewer confirmed waits for a supervisor, it is not 已确认 yet. */
type Bucket = 'confirmed' | 'awaiting_approval' | 'rejected' | 'needs_info' | 'pending';
export const BUCKETS: readonly Bucket[] = ['confirmed', 'awaiting_approval', 'rejected', 'needs_info', 'pending'];
export const BUCKET_HEADERS: Record<Bucket, string> = { confirmed: '已确认', awaiting_approval: STATUS_LABELS.awaiting_approval, rejected: '已驳回', needs_info: '待补充材料', pending: '待审核' };
export const BUCKET_COLORS: Record<Bucket, string> = { confirmed: '#3a9a5b', awaiting_approval: '#e6a23c', rejected: '#909399', needs_info: '#9b59b6', pending: '#2f6fb0' };

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

const yuan = (n: number) => Math.round(n * 100) / 100;

const decisionColumns: ColumnSpec[] = [
  ...BUCKETS.map((b) => ({ key: b, header: BUCKET_HEADERS[b], width: 11 })),
  { key: 'overpaid', header: '应退未退多发金额（元）', width: 20, numFmt: '#,##0.00' },
];
const flagColumns: ColumnSpec[] = FLAG_TYPES.map((t) => ({ key: t, header: FLAG_LABELS[t], width: Math.max(10, FLAG_LABELS[t].length * 2 + 2) }));

function countCells(c: Counts): Record<string, Cell> {
  return {
    total: c.total,
    new: c.newCount,
    persisting: c.persisting,
    ...Object.fromEntries(FLAG_TYPES.map((t) => [t, c.byFlag[t] ?? 0])),
    ...Object.fromEntries(BUCKETS.map((b) => [b, c.byBucket[b]])),
    overpaid: yuan(c.overpaidAmount),
  };
}

/** A table of the report: a sheet of the XLSX and a table of the PDF. */
export interface ReportTable {
  /** Sheet name and PDF section heading. */
  name: string;
  /** A sentence under the heading. */
  intro?: string;
  columns: ColumnSpec[];
  rows: Record<string, Cell>[];
  totals?: Record<string, Cell>[];
  /** Columns the PDF leaves out for width (the XLSX has them all). */
  pdfSkip?: string[];
}

export interface ReportData {
  title: string;
  subtitle: string;
  keyFigures: { label: string; value: string; alert?: boolean }[];
  missingFeeds: string[];
  byType: { flag: FlagType; label: string; color: string; total: number; buckets: Record<Bucket, number> }[];
  byCounty: { label: string; total: number; overpaid: number }[];
  trend: { runId: string; asOf: string; byFlag: Record<string, number>; overpaid: number }[];
  tables: { byType: ReportTable; byCategory: ReportTable; byCounty: ReportTable; overdue: ReportTable; quality: ReportTable; trend: ReportTable };
  notes: [string, Cell][];
}

const areaSql = (ctx: ExportContext, alias: string) =>
  sql`starts_with(coalesce(${sql.trusted(alias)}.county_code, ''), ${ctx.county ?? ''}) AND ${flagVisibleSql(ctx.needToKnow, alias)}`;

/** Open flags past their due date (flags/sla.ts) on `today`, without personal data. */
async function overdueFlags(db: Db, ctx: ExportContext, today: string) {
  const raised = sql`coalesce(r.finished_at, r.started_at, q.as_of)::DATE`;
  return queryAll(
    db,
    z.object({ flag_id: z.string(), flag: z.string(), county_code: z.string().nullable(), reason: z.string(), status: z.string(), due_on: z.string(), days: z.number() }),
    sql`SELECT flag_id, flag, county_code, reason, status, CAST(due AS VARCHAR) AS due_on, (${today}::DATE - due)::INTEGER AS days
          FROM (SELECT q.*, ${dueOnSql(DEFAULT_SLA, sql`q.flag`, sql`q.as_of`, raised)} AS due
                  FROM (${flagsWithStatus(ctx.run.runId)}) q JOIN runs r ON r.run_id = q.run_id
                 WHERE ${areaSql(ctx, 'q')} AND list_contains(${textList(OPEN_STATUSES)}, q.status))
         WHERE due < ${today}::DATE
         ORDER BY days DESC, priority, county_code NULLS LAST, flag_id`,
  );
}

/** Per feed: the files the run read, their rows, quarantined rows, findings, and the files that failed since the previous run. */
async function qualityRows(db: Db, ctx: ExportContext): Promise<Record<string, Cell>[]> {
  const runId = ctx.run.runId;
  const batches = sql`SELECT unnest(input_batches) FROM runs WHERE run_id = ${runId}`;
  const perFeed = await queryAll(
    db,
    z.object({ feed: z.string(), files: z.number(), read: z.number(), loaded: z.number(), quarantined: z.number() }),
    sql`SELECT feed, count(*)::INTEGER AS files, sum(rows_read)::INTEGER AS read, sum(rows_loaded)::INTEGER AS loaded, sum(rows_quarantined)::INTEGER AS quarantined
          FROM ingest_batches WHERE batch_id IN (${batches}) GROUP BY feed`,
  );
  const failed = await queryAll(
    db,
    z.object({ feed: z.string(), n: z.number() }),
    sql`SELECT b.feed, count(*)::INTEGER AS n FROM ingest_batches b, runs r
         WHERE r.run_id = ${runId} AND b.status = 'failed' AND b.started_at <= coalesce(r.finished_at, now()::TIMESTAMP)
           AND b.started_at > coalesce((SELECT p.started_at FROM runs p WHERE p.run_id = r.previous_run_id), TIMESTAMP '1900-01-01')
         GROUP BY b.feed`,
  );
  const codes = (table: 'findings' | 'quarantine', col: 'code' | 'reason') =>
    queryAll(
      db,
      z.object({ feed: z.string(), code: z.string(), n: z.number() }),
      sql`SELECT b.feed, x.${sql.trusted(col)} AS code, count(*)::INTEGER AS n FROM ${sql.trusted(table)} x JOIN ingest_batches b USING (batch_id)
           WHERE x.batch_id IN (${batches}) GROUP BY ALL ORDER BY b.feed, n DESC, code`,
    );
  const findings = await codes('findings', 'code');
  const reasons = await codes('quarantine', 'reason');
  const top = (list: { feed: string; code: string; n: number }[], feed: string, label: (c: string) => string) =>
    list
      .filter((x) => x.feed === feed)
      .slice(0, 3)
      .map((x) => `${label(x.code)} ${x.n}`)
      .join('；');
  // Need-to-know: without the grant a feed restricted whole (hiv) is not named, not even by its counts.
  const feeds = [...new Set([...perFeed.map((r) => r.feed), ...failed.map((r) => r.feed)])]
    .filter((feed) => ctx.needToKnow || !RESTRICTED_ROW_FEEDS.includes(feed))
    .sort((a, b) => Object.keys(FEED_LABELS).indexOf(a) - Object.keys(FEED_LABELS).indexOf(b));
  return feeds.map((feed) => {
    const p = perFeed.find((r) => r.feed === feed);
    return {
      feed: FEED_LABELS[feed as FeedName] ?? feed,
      files: p?.files ?? 0,
      read: p?.read ?? 0,
      loaded: p?.loaded ?? 0,
      quarantined: p?.quarantined ?? 0,
      failed: failed.find((r) => r.feed === feed)?.n ?? 0,
      findings: findings.filter((x) => x.feed === feed).reduce((a, x) => a + x.n, 0),
      topFindings: top(findings, feed, findingLabel),
      topReasons: top(reasons, feed, quarantineReasonLabel),
    };
  });
}

/** Counts by flag type and the overpaid money of this run and the runs before it (at most 8 quarters). */
async function trendRows(db: Db, ctx: ExportContext) {
  const rows = await queryAll(
    db,
    z.object({ run_id: z.string(), as_of: z.string(), flag: z.string().nullable(), n: z.number(), overpaid: z.number().nullable() }),
    sql`WITH rs AS (
          SELECT run_id, as_of FROM runs WHERE status IN ('complete', 'incomplete') AND as_of <= (SELECT as_of FROM runs WHERE run_id = ${ctx.run.runId})
          ORDER BY as_of DESC LIMIT 8)
        SELECT rs.run_id, CAST(rs.as_of AS VARCHAR) AS as_of, f.flag, count(f.flag_id)::INTEGER AS n,
               sum(CASE WHEN f.flag = 'REMOVE' THEN f.overpaid_amount END)::DOUBLE AS overpaid
          FROM rs LEFT JOIN flags f ON f.run_id = rs.run_id AND ${areaSql(ctx, 'f')}
         GROUP BY ALL ORDER BY as_of, flag`,
  );
  const out = new Map<string, { runId: string; asOf: string; byFlag: Record<string, number>; overpaid: number }>();
  for (const r of rows) {
    const t = out.get(r.run_id) ?? { runId: r.run_id, asOf: r.as_of, byFlag: {}, overpaid: 0 };
    if (r.flag) t.byFlag[r.flag] = r.n;
    t.overpaid += r.overpaid ?? 0;
    out.set(r.run_id, t);
  }
  return [...out.values()];
}

/** Everything the report shows, for the requester's area and grant. */
export async function reportData(db: Db, ctx: ExportContext, today: string): Promise<ReportData> {
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
  const total = totalOf(byType);

  // Counted within the export's area only, like every other figure of the report, and without the
  // need-to-know grant without the HIV flags (a resolved or suppressed one would tell as much).
  const extra = (await queryOne(
    db,
    z.object({ resolved: z.number(), suppressed: z.number() }),
    sql`SELECT (SELECT count(*)::INTEGER FROM resolved_flags r JOIN flags p ON p.run_id = r.previous_run_id AND p.flag_id = r.flag_id
             WHERE r.run_id = ${ctx.run.runId} AND ${areaSql(ctx, 'p')}) AS resolved,
            (SELECT count(DISTINCT s.flag_key)::INTEGER FROM suppressed_flags s JOIN flags p ON p.flag_key = s.flag_key
             WHERE s.run_id = ${ctx.run.runId} AND ${areaSql(ctx, 'p')}) AS suppressed`,
  ))!;
  const run = await queryOne(db, z.object({ missing: z.string().nullable() }), sql`SELECT CAST(summary->'missingFeeds' AS VARCHAR) AS missing FROM runs WHERE run_id = ${ctx.run.runId}`);
  const missingFeeds = (JSON.parse(run?.missing ?? '[]') as FeedName[]).map((f) => FEED_LABELS[f] ?? f);
  const overdue = await overdueFlags(db, ctx, today);
  const quality = await qualityRows(db, ctx);
  const trend = await trendRows(db, ctx);
  const jurisdiction = (ctx.run.config as { jurisdiction?: { name?: unknown } } | null)?.jurisdiction?.name;
  const place = typeof jurisdiction === 'string' ? jurisdiction : '';
  const countyName = ctx.county ? (ctx.county.length === 6 ? (regionInfo(ctx.county).name ?? ctx.county) : ctx.county) : '全部区县';
  const decided = total.byBucket.confirmed + total.byBucket.rejected + total.byBucket.needs_info;

  const groupColumns: ColumnSpec[] = [...flagColumns, { key: 'total', header: '合计', width: 10 }, ...decisionColumns];
  const tables: ReportData['tables'] = {
    byType: {
      name: '按标记类型',
      intro: '本期各类标记的数量、新发现与上期延续，以及审核进度。',
      columns: [
        { key: 'label', header: '标记类型', width: 22, text: true },
        { key: 'code', header: '类型代码', width: 14, text: true },
        { key: 'total', header: '标记数', width: 10 },
        { key: 'new', header: '本期新发现', width: 12 },
        { key: 'persisting', header: '上期延续', width: 10 },
        ...decisionColumns,
      ],
      rows: [...byType].map(([code, c]) => ({ label: FLAG_LABELS[code as FlagType] ?? code, code, ...countCells(c) })),
      totals: [{ label: '合计', ...countCells(total) }],
      pdfSkip: ['code'],
    },
    byCategory: {
      name: '按保障类别',
      intro: '按儿童的保障类别（退出：退出的类别）统计。',
      columns: [{ key: 'label', header: '保障类别', width: 20, text: true }, { key: 'code', header: '类别代码', width: 18, text: true }, ...groupColumns],
      rows: [...byCategory].sort(([a], [b]) => a.localeCompare(b)).map(([code, c]) => ({ label: code ? categoryLabel(code) : '（未标明）', code, ...countCells(c) })),
      totals: [{ label: '合计', ...countCells(totalOf(byCategory)) }],
      pdfSkip: ['code', ...BUCKETS, 'overpaid'],
    },
    byCounty: {
      name: '按区县',
      intro: '按负责审核的区县统计；多发金额为应退未退儿童自退出生效之月起多发的保障金。',
      columns: [{ key: 'code', header: '区划代码', width: 12, text: true }, { key: 'label', header: '区县名称', width: 16, text: true }, ...groupColumns],
      rows: [...byCounty].sort(([a], [b]) => a.localeCompare(b)).map(([code, c]) => ({ code, label: code ? (regionInfo(code).name ?? '') : '（未标明）', ...countCells(c) })),
      totals: [{ code: '合计', ...countCells(totalOf(byCounty)) }],
      pdfSkip: ['awaiting_approval', 'rejected', 'needs_info', 'WATCH'],
    },
    overdue: {
      name: '逾期标记',
      intro: `截至 ${today} 仍待处理且已过审核期限的标记（突发事件 ${DEFAULT_SLA.urgentDays} 天，其他标记为下一季度末）。`,
      columns: [
        { key: 'flag_id', header: '标记编号', width: 20, text: true },
        { key: 'flag', header: '标记类型', width: 16, text: true },
        { key: 'county', header: '区县', width: 14, text: true },
        { key: 'reason', header: '原因', width: 28, text: true },
        { key: 'status', header: '状态', width: 12, text: true },
        { key: 'due_on', header: '审核期限', width: 12, text: true },
        { key: 'days', header: '逾期天数', width: 10 },
      ],
      rows: overdue.map((o) => ({
        flag_id: o.flag_id,
        flag: flagLabel(o.flag),
        county: o.county_code ? (regionInfo(o.county_code).name ?? o.county_code) : '',
        reason: exportReasonLabel(ctx, o.reason),
        status: statusLabel(o.status),
        due_on: o.due_on,
        days: o.days,
      })),
    },
    quality: {
      name: '数据质量',
      intro: '本期比对读入的各数据源文件：读入、载入与隔离的行数，数据问题（如身份证号被表格软件损坏）及最多的几种。各数据源为全辖区数据，不按区县划分。',
      columns: [
        { key: 'feed', header: '数据源', width: 26, text: true },
        { key: 'files', header: '文件数', width: 8 },
        { key: 'read', header: '读入行数', width: 10 },
        { key: 'loaded', header: '载入行数', width: 10 },
        { key: 'quarantined', header: '隔离行数', width: 10 },
        { key: 'failed', header: '读取失败文件', width: 12 },
        { key: 'findings', header: '数据问题数', width: 10 },
        { key: 'topFindings', header: '主要数据问题', width: 40, text: true },
        { key: 'topReasons', header: '主要隔离原因', width: 40, text: true },
      ],
      rows: quality,
    },
    trend: {
      name: '历史趋势',
      intro: '本期及此前各季度比对的标记数与多发金额（最多 8 个季度）。',
      columns: [
        { key: 'run', header: '比对批次', width: 14, text: true },
        ...FLAG_TYPES.map((t) => ({ key: t, header: FLAG_LABELS[t], width: Math.max(10, FLAG_LABELS[t].length * 2 + 2) })),
        { key: 'total', header: '合计', width: 10 },
        { key: 'overpaid', header: '多发金额（元）', width: 16, numFmt: '#,##0.00' },
      ],
      rows: trend.map((t) => ({ run: t.runId, ...Object.fromEntries(FLAG_TYPES.map((f) => [f, t.byFlag[f] ?? 0])), total: Object.values(t.byFlag).reduce((a, b) => a + b, 0), overpaid: yuan(t.overpaid) })),
    },
  };

  const notes: [string, Cell][] = [
    ['报告名称', REPORT_TITLE],
    ['比对批次', ctx.run.runId],
    ['数据截止日期', ctx.run.asOf],
    ['运行开始时间', ctx.run.startedAt.slice(0, 19)],
    ['运行结束时间', ctx.run.finishedAt?.slice(0, 19) ?? ''],
    ['运行状态', ctx.run.status === 'complete' ? '已完成' : ctx.run.status === 'incomplete' ? '部分完成（有数据源缺失）' : ctx.run.status],
    ['规则配置', profileName(ctx.run.config)],
    ['辖区', place],
    ['区划范围', ctx.county ?? '全部'],
    ['上期比对批次', ctx.run.previousRunId ?? '（无）'],
    ['本季度未收到的应报送数据', missingFeeds.length ? `${missingFeeds.join('、')}（据此不判定依赖其记录缺失的标记，如“未入学”）` : '无'],
    ['标记总数', String(total.total)],
    ['已审核', `${decided}（已确认 ${total.byBucket.confirmed}，已驳回 ${total.byBucket.rejected}，待补充材料 ${total.byBucket.needs_info}）`],
    ['待主管复核', String(total.byBucket.awaiting_approval)],
    ['待审核', String(total.byBucket.pending)],
    ['逾期标记', `${overdue.length}（截至 ${today}）`],
    ['应退未退多发金额合计（元）', yuan(total.overpaidAmount).toFixed(2)],
    ['上期标记已消除', String(extra.resolved)],
    ['因已驳回且证据未变而未再提出', String(extra.suppressed)],
    ['导出人', ctx.by],
    ['导出时间', beijingTime()],
    ['报告版本', REPORT_VERSION],
  ];

  return {
    title: REPORT_TITLE,
    subtitle: `${place ? place + ' · ' : ''}${countyName} · 比对批次 ${ctx.run.runId}（数据截止 ${ctx.run.asOf}）`,
    keyFigures: [
      { label: '标记总数', value: String(total.total) },
      { label: '已审核', value: String(decided) },
      { label: '待审核', value: String(total.byBucket.pending + total.byBucket.needs_info) },
      { label: '待主管复核', value: String(total.byBucket.awaiting_approval) },
      { label: '逾期标记', value: String(overdue.length), alert: overdue.length > 0 },
      { label: '多发金额（元）', value: yuan(total.overpaidAmount).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }), alert: total.overpaidAmount > 0 },
    ],
    missingFeeds,
    byType: FLAG_TYPES.map((t) => ({ flag: t, label: FLAG_LABELS[t], color: FLAG_COLORS[t], total: byType.get(t)!.total, buckets: byType.get(t)!.byBucket })),
    byCounty: [...byCounty].sort(([a], [b]) => a.localeCompare(b)).map(([code, c]) => ({ label: code ? (regionInfo(code).name ?? code) : '（未标明）', total: c.total, overpaid: c.overpaidAmount })),
    trend,
    tables,
    notes,
  };
}

/** Today in Beijing time (YYYY-MM-DD): the day overdue flags are counted on. */
const beijingToday = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The quarterly report: `季度比对报告_<run>_<county|全部>.xlsx` (a sheet per table, printable: A4
 * landscape, fit to width, print area, the title and header row on every page) and `.pdf` (A4,
 * Chinese, the font embedded, charts as vectors). Both audited.
 */
export async function exportSummary(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  const data = await reportData(db, ctx, beijingToday());
  const base = join(ctx.outDir, `${REPORT_TITLE}_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}`);
  const flagsCount = data.byType.reduce((a, t) => a + t.total, 0);

  const wb = newWorkbook();
  for (const t of Object.values(data.tables)) {
    const ws = addSheet(wb, { name: t.name, columns: t.columns, rows: t.rows, totals: t.totals });
    const lastRow = 1 + t.rows.length + (t.totals?.length ?? 0);
    ws.pageSetup = { ...ws.pageSetup, paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1', printArea: `A1:${columnLetter(t.columns.length)}${Math.max(lastRow, 1)}`, margins: { left: 0.4, right: 0.4, top: 0.7, bottom: 0.6, header: 0.3, footer: 0.3 } };
    ws.headerFooter = { oddHeader: `&C&"-,Bold"&14${data.title}：${t.name}&R${ctx.run.runId} ${countyPart(ctx)}`, oddFooter: '&C第 &P 页，共 &N 页' };
  }
  const notes = addNotesSheet(wb, data.notes);
  notes.pageSetup = { ...notes.pageSetup, paperSize: 9, orientation: 'portrait', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printArea: `A1:B${data.notes.length + 1}` };
  notes.headerFooter = { oddHeader: `&C&"-,Bold"&14${data.title}：说明` };

  const files: ExportedFile[] = [
    { path: `${base}.xlsx`, format: 'xlsx', rows: flagsCount, purpose: 'people' },
    { path: `${base}.pdf`, format: 'pdf', rows: flagsCount, purpose: 'people' },
  ];
  await saveWorkbook(wb, files[0]!.path);
  // pdfkit and its font engine load only when a report is written (not with every command that imports exports/).
  const { writeReportPdf } = await import('./report-pdf.js');
  await writeReportPdf(data, files[1]!.path);
  for (const f of files) await auditFile(db, ctx, 'summary', f, REPORT_VERSION);
  return { kind: 'summary', runId: ctx.run.runId, county: ctx.county, templateVersion: REPORT_VERSION, files };
}

function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}
