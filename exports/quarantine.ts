// Quarantined rows (connectors/: rows with an invalid required field, date or code, or over a
// bound): the list `bidui quarantine list` and the web's data page show, and the workbook a sender
// can fix (`bidui quarantine export`, the data page's export), audited.
//
// The store keeps each quarantined row with its batch, record number (src_row), file line or sheet
// row (src_line), field, reason code, detail and the row as read (JSON keyed by the file's headers,
// or the line itself when it could not be parsed). The value at fault is read from that row through
// the batch's header map (canonical key → the file's header), so nothing is stored twice.
import { join } from 'node:path';
import { z } from 'zod';
import { quarantineReasonLabel } from '../connectors/index.js';
import { FEED_LABELS, FEED_SPECS } from '../pipeline/feeds.js';
import { maskId } from '../pipeline/log.js';
import { sealFile } from '../pipeline/seal/index.js';
import { queryAll, queryOne, sql, storeKeys, type Db, type Sql } from '../pipeline/store/index.js';
import { appendAudit, UserError } from '../review/index.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, saveWorkbook, type Cell, type ColumnSpec } from './files.js';
import type { ExportedFile } from './common.js';

export const quarantineFilterSchema = z.object({
  feed: z.enum(Object.keys(FEED_SPECS) as [string, ...string[]]).optional(),
  batchId: z.coerce.number().int().positive().optional(),
  reason: z.string().regex(/^[A-Z_]{2,40}$/).optional(),
});
export type QuarantineFilter = z.infer<typeof quarantineFilterSchema>;

const quarantineRecordSchema = z.object({
  batch_id: z.number(),
  feed: z.string(),
  file_name: z.string(),
  format: z.string().nullable(),
  loaded_at: z.string().nullable(),
  src_row: z.number().nullable(),
  src_line: z.number().nullable(),
  field: z.string().nullable(),
  header: z.string().nullable(),
  reason: z.string(),
  detail: z.string().nullable(),
  value: z.string().nullable(),
  raw: z.string().nullable(),
});

/** One quarantined row with the value at fault, in full (a list masks it: maskQuarantineRow). */
export interface QuarantineRow {
  batchId: number;
  feed: string;
  feedLabel: string;
  fileName: string;
  /** When the batch was loaded (YYYY-MM-DD HH:MM). */
  loadedAt: string | null;
  /** The data record's number in the file (1 = the first after the header); null when the line could not be read as a record. */
  srcRow: number | null;
  /** The sheet row (XLSX) or the file line (CSV, JSON Lines) the record starts on. */
  srcLine: number | null;
  /** Where to find it, in words: 工作表第 N 行, 第 N 行, 第 N 条记录. */
  place: string;
  /** The canonical key at fault; null for a problem of the whole row. */
  field: string | null;
  /** The column as the sender's file names it (else the feed contract's first header); （整行） for the whole row. */
  fieldLabel: string;
  reason: string;
  reasonLabel: string;
  /** What was found, when the store says it in Chinese (the normaliser's own details are English diagnostics: the reason label says it). */
  detail: string | null;
  /** The value as written (for a whole-row problem, the row as read). */
  value: string | null;
  /** Whether the field's values are ID numbers (masked in lists). */
  isId: boolean;
  /** The row as read: JSON keyed by the file's headers, or the line when it could not be parsed. */
  raw: string | null;
}

/** Fields whose values are ID numbers or carry one (a disability certificate number starts with its holder's ID). */
function idField(feed: string, key: string | null): boolean {
  if (key === null) return false;
  if (key === 'certificate_no') return true;
  return FEED_SPECS[feed as keyof typeof FEED_SPECS]?.fields.some((f) => f.key === key && f.kind.type === 'id') ?? false;
}

function fieldLabelOf(feed: string, key: string | null, header: string | null): string {
  if (header) return header;
  if (key === null) return '（整行）';
  return FEED_SPECS[feed as keyof typeof FEED_SPECS]?.fields.find((f) => f.key === key)?.headers[0] ?? key;
}

function placeOf(format: string | null, srcRow: number | null, srcLine: number | null): string {
  if (format === 'xlsx' && srcLine !== null) return `工作表第 ${srcLine} 行`;
  if (format === 'parquet' && srcRow !== null) return `第 ${srcRow} 条记录`;
  if (srcLine !== null) return `第 ${srcLine} 行`;
  return srcRow !== null ? `第 ${srcRow} 条记录` : '—';
}

function filterSql(f: QuarantineFilter): Sql {
  return sql`(${f.feed ?? null}::VARCHAR IS NULL OR b.feed = ${f.feed ?? null})
     AND (${f.batchId ?? null}::INTEGER IS NULL OR q.batch_id = ${f.batchId ?? null}::INTEGER)
     AND (${f.reason ?? null}::VARCHAR IS NULL OR q.reason = ${f.reason ?? null})`;
}

/**
 * SQL: the quarantined rows with their batch, the header of the field at fault in the sender's file
 * (ingest_batches.header_map; a field named by its header stays as it is) and the value in that column.
 */
function quarantineSql(f: QuarantineFilter): Sql {
  return sql`
SELECT q.batch_id, b.feed, b.file_name, b.format, strftime(b.started_at, '%Y-%m-%d %H:%M') AS loaded_at,
       q.src_row, q.src_line, q.field, h.header, q.reason, q.detail,
       CASE WHEN h.header IS NOT NULL AND json_valid(q.raw)
            THEN json_extract_string(q.raw, '/' || replace(replace(h.header, '~', '~0'), '/', '~1'))
            WHEN q.field IS NULL THEN q.raw END AS value,
       q.raw
  FROM quarantine q JOIN ingest_batches b USING (batch_id)
  CROSS JOIN LATERAL (SELECT coalesce(json_extract_string(b.header_map, '$.' || q.field),
                                      CASE WHEN json_valid(q.raw) AND json_exists(q.raw, '/' || replace(replace(q.field, '~', '~0'), '/', '~1')) THEN q.field END) AS header) h
 WHERE ${filterSql(f)}`;
}

function toRow(r: z.infer<typeof quarantineRecordSchema>): QuarantineRow {
  return {
    batchId: r.batch_id,
    feed: r.feed,
    feedLabel: FEED_LABELS[r.feed as keyof typeof FEED_LABELS] ?? r.feed,
    fileName: r.file_name,
    loadedAt: r.loaded_at,
    srcRow: r.src_row,
    srcLine: r.src_line,
    place: placeOf(r.format, r.src_row, r.src_line),
    field: r.field,
    fieldLabel: fieldLabelOf(r.feed, r.field, r.header),
    reason: r.reason,
    reasonLabel: quarantineReasonLabel(r.reason),
    detail: r.detail && /\p{Script=Han}/u.test(r.detail) ? r.detail : null,
    value: r.value,
    isId: idField(r.feed, r.field),
    raw: r.raw,
  };
}

const ORDER = sql`ORDER BY batch_id, src_line NULLS LAST, src_row NULLS LAST, field NULLS FIRST, reason`;

/** A page of the quarantined rows (newest batch first, then by line), and how many there are. */
export async function quarantineRows(
  db: Db,
  filter: QuarantineFilter = {},
  page: { limit?: number; offset?: number } = {},
): Promise<{ total: number; rows: QuarantineRow[] }> {
  const total = await queryOne(db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM (${quarantineSql(filter)})`);
  const rows = await queryAll(
    db,
    quarantineRecordSchema,
    sql`SELECT * FROM (${quarantineSql(filter)}) ORDER BY batch_id DESC, src_line NULLS LAST, src_row NULLS LAST, field NULLS FIRST, reason
         LIMIT ${Math.trunc(page.limit ?? 100)}::INTEGER OFFSET ${Math.trunc(page.offset ?? 0)}::INTEGER`,
  );
  return { total: total?.n ?? 0, rows: rows.map(toRow) };
}

/** Anything in a text that looks like an ID number (15 or 18 characters, digits with a final X), masked. */
export function maskIdsInText(text: string | null): string | null {
  return text === null ? null : text.replace(/(?<![0-9])[0-9]{14}(?:[0-9]{3}[0-9Xx]|[0-9])(?![0-9])/g, (m) => maskId(m));
}

/** The row as a list shows it: an ID value masked (first 6, last 4), and every ID-like run in the value, detail and raw row. */
export function maskQuarantineRow(r: QuarantineRow): QuarantineRow {
  return {
    ...r,
    value: r.isId ? maskId(r.value) : maskIdsInText(r.value),
    detail: maskIdsInText(r.detail),
    raw: maskIdsInText(r.raw),
  };
}

/** The columns of the workbook's first sheet: one line per problem. */
const PROBLEM_COLUMNS: readonly ColumnSpec[] = [
  { key: 'file', header: '文件', width: 34, text: true },
  { key: 'feed', header: '数据类型', width: 12, text: true },
  { key: 'batch', header: '导入批次', width: 10 },
  { key: 'place', header: '位置', width: 16, text: true },
  { key: 'line', header: '行号', width: 8 },
  { key: 'field', header: '字段', width: 18, text: true },
  { key: 'reason', header: '原因', width: 26, text: true },
  { key: 'detail', header: '说明', width: 60, text: true },
  { key: 'value', header: '原值（请更正）', width: 30, text: true },
];

export interface QuarantineExportOptions extends QuarantineFilter {
  outDir: string;
  /** Who exports (audit_log.actor). */
  by: string;
}

export interface QuarantineExportResult {
  file: ExportedFile;
  rows: number;
  batches: number[];
  auditId: number;
}

/** The quarantined rows of the export's filter, every one (a workbook for the senders holds them all). */
async function allRows(db: Db, filter: QuarantineFilter): Promise<QuarantineRow[]> {
  const rows = await queryAll(db, quarantineRecordSchema, sql`SELECT * FROM (${quarantineSql(filter)}) ${ORDER}`);
  return rows.map(toRow);
}

/** The columns of a file's rows as read, in the file's order (the first row's keys, then any other row's). */
function rawColumns(rows: QuarantineRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) {
    if (!r.raw) continue;
    try {
      const o = JSON.parse(r.raw) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) for (const k of Object.keys(o)) seen.add(k);
    } catch {
      // a line that could not be parsed: shown whole in 原始内容
    }
  }
  return [...seen];
}

/** A sheet name Excel accepts (31 characters, no []:*?/\), unique in the workbook. */
function sheetName(base: string, taken: Set<string>): string {
  const clean = base.replace(/[[\]:*?/\\]/g, '_');
  let name = clean.slice(0, 31);
  for (let i = 2; taken.has(name); i++) name = `${clean.slice(0, 31 - String(i).length - 1)}~${i}`;
  taken.add(name);
  return name;
}

/**
 * The workbook a sender fixes: 说明; 隔离明细 (one line per problem: file, sheet row or line, field,
 * reason in Chinese, what was found, the value as written, in full); then one sheet per file with
 * its quarantined rows as they were read — the file's own columns, and 问题 saying what to correct —
 * so the sender can correct them and send the rows again. The values are not masked (the sender needs
 * them): the file is personal data and its export is audited (action export, kind quarantine).
 */
export async function exportQuarantine(db: Db, opts: QuarantineExportOptions): Promise<QuarantineExportResult> {
  const by = (opts.by ?? '').trim();
  if (!by) throw new UserError('请指定导出人（--by）');
  if (!opts.outDir) throw new UserError('请指定输出目录（--out）');
  const filter = quarantineFilterSchema.parse({ feed: opts.feed, batchId: opts.batchId, reason: opts.reason });
  const rows = await allRows(db, filter);
  const batches = [...new Set(rows.map((r) => r.batchId))];
  const wb = newWorkbook();
  const stamp = new Date().toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16);
  addNotesSheet(wb, [
    ['内容', '导入时被隔离（未载入）的数据行，请数据报送单位更正后重新报送'],
    ['筛选', [filter.feed ? `数据类型 ${FEED_LABELS[filter.feed as keyof typeof FEED_LABELS] ?? filter.feed}` : '', filter.batchId ? `批次 #${filter.batchId}` : '', filter.reason ? `原因 ${quarantineReasonLabel(filter.reason)}` : ''].filter(Boolean).join('，') || '全部'],
    ['行数', `${rows.length} 个问题，${new Set(rows.map((r) => `${r.batchId}:${r.srcRow ?? r.srcLine}`)).size} 行，${batches.length} 个文件`],
    ['位置', 'XLSX 为工作表中的行号（含表头行），CSV 与 JSON Lines 为文件中的行号，Parquet 为第几条记录'],
    ['个人信息', '本文件含完整的身份证号和姓名，仅用于退回报送单位更正；导出已记入审计日志'],
    ['导出人', by],
    ['导出时间（北京时间）', stamp],
  ]);
  addSheet(wb, {
    name: '隔离明细',
    columns: PROBLEM_COLUMNS,
    rows: rows.map((r) => ({
      file: r.fileName,
      feed: r.feedLabel,
      batch: r.batchId,
      place: r.place,
      line: r.srcLine ?? r.srcRow,
      field: r.fieldLabel,
      reason: r.reasonLabel,
      detail: r.detail,
      value: r.value,
    })),
  });
  const taken = new Set(['说明', '隔离明细']);
  for (const batchId of batches) {
    const mine = rows.filter((r) => r.batchId === batchId);
    const byRecord = new Map<string, QuarantineRow[]>();
    for (const r of mine) {
      const key = `${r.srcRow ?? ''}:${r.srcLine ?? ''}`;
      byRecord.set(key, [...(byRecord.get(key) ?? []), r]);
    }
    const headers = rawColumns(mine);
    const columns: ColumnSpec[] = [
      { key: '__line', header: '行号', width: 8 },
      { key: '__problem', header: '问题', width: 40, text: true },
      ...headers.map((h, i) => ({ key: `c${i}`, header: h, width: Math.min(40, Math.max(10, h.length * 2 + 2)), text: true })),
    ];
    const unparsed = mine.some((r) => r.raw !== null && !isObjectJson(r.raw));
    if (unparsed) columns.push({ key: '__raw', header: '原始内容', width: 80, text: true });
    const sheetRows: Record<string, Cell>[] = [];
    for (const problems of byRecord.values()) {
      const first = problems[0]!;
      const values = isObjectJson(first.raw) ? (JSON.parse(first.raw!) as Record<string, unknown>) : null;
      sheetRows.push({
        __line: first.srcLine ?? first.srcRow,
        __problem: problems.map((p) => `${p.fieldLabel}：${p.reasonLabel}`).join('；'),
        ...Object.fromEntries(headers.map((h, i) => [`c${i}`, values?.[h] == null ? null : String(values[h])])),
        ...(values ? {} : { __raw: first.raw }),
      });
    }
    addSheet(wb, { name: sheetName(`${batchId}-${mine[0]!.fileName}`, taken), columns, rows: sheetRows });
  }
  const path = join(opts.outDir, `隔离数据_${safeFilePart(stamp.replace(/[-: ]/g, ''))}.xlsx`);
  await saveWorkbook(wb, path);
  const auditId = await appendAudit(db, {
    actor: by,
    action: 'export',
    target: path,
    rows: rows.length,
    detail: { kind: 'quarantine', format: 'xlsx', filter, batches, unmasked: true },
  });
  // Left sealed like every file with personal data (RULES.md §4).
  return { file: { path: sealFile(storeKeys(db), path), format: 'xlsx', rows: rows.length, purpose: 'people' }, rows: rows.length, batches, auditId };
}

function isObjectJson(s: string | null): boolean {
  if (!s || !s.startsWith('{')) return false;
  try {
    const o = JSON.parse(s) as unknown;
    return !!o && typeof o === 'object' && !Array.isArray(o);
  } catch {
    return false;
  }
}
