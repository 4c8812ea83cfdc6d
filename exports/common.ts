import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagVisibleSql, isRestrictedReason, loadFlags, reasonLabel, RESTRICTED_REASON_LABEL, type FlagRecord } from '../flags/index.js';
import { sql } from '../pipeline/store/index.js';
import type { Db, Sql } from '../pipeline/store/index.js';
import { appendAudit, resolveRun, UserError, type RunInfo } from '../review/index.js';
import type ExcelJS from 'exceljs';
import { saveWorkbook, writeCsv, type Cell, type ColumnSpec } from './files.js';

export const EXPORT_KINDS = ['national', 'provincial', 'education', 'summary', 'flags'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportOptions {
  /** Default: the latest complete run. */
  runId?: string | null;
  /** A county code (6 digits), or a city / province prefix (4 / 2 digits). */
  county?: string | null;
  outDir: string;
  /** The user who exports (audit_log.actor). */
  by: string;
  /**
   * Whether the requester holds the need-to-know grant (RULES.md §4). Without it (the default)
   * every file and every count leaves out the HIV flags (flags/privacy.ts) and masks the reasons
   * and evidence that tell a criminal record, exactly as the web shows them to such a role. The
   * web passes the user's role setting; the CLI passes `--need-to-know`.
   */
  needToKnow?: boolean;
  /** national / provincial: the template (a name of exports/templates/ or a .json path); default: the system's default template. */
  template?: string | null;
}

export interface ExportedFile {
  path: string;
  format: 'xlsx' | 'csv' | 'parquet' | 'arrow' | 'pdf';
  rows: number;
  /**
   * Who the file is for (issue 17 item 2): people open it (XLSX with ID numbers as text cells, a
   * PDF), a system imports it (a plain CSV: a spreadsheet would turn its ID numbers into numbers),
   * or analysts read it with their tools.
   */
  purpose: 'people' | 'import' | 'analysis';
}

/** What a file is for, as the CLI, the demo and the web tell the user. */
export function purposeLabel(f: Pick<ExportedFile, 'purpose' | 'format'>): string {
  if (f.purpose === 'analysis') return '供数据分析';
  if (f.purpose === 'people') return '供查阅、打印';
  return f.format === 'csv' ? '供系统导入；请勿用 Excel 双击打开后保存（身份证号会变成数字）' : '供系统导入（身份证号为文本单元格）';
}

export interface ExportResult {
  kind: ExportKind;
  runId: string;
  county: string | null;
  templateVersion: string | null;
  files: ExportedFile[];
}

export interface ExportContext {
  run: RunInfo;
  county: string | null;
  outDir: string;
  by: string;
  needToKnow: boolean;
}

/** Validates the options and resolves the run; creates the output folder. */
export async function prepareExport(db: Db, opts: ExportOptions): Promise<ExportContext> {
  const by = (opts.by ?? '').trim();
  if (!by) throw new UserError('请指定导出人（--by）');
  if (!opts.outDir) throw new UserError('请指定输出目录（--out）');
  const county = opts.county?.trim() || null;
  if (county !== null && !/^(\d{2}|\d{4}|\d{6})$/.test(county)) throw new UserError(`区划代码 ${county} 无效：应为 6 位区县代码（或 4 位市级、2 位省级前缀）`);
  const run = await resolveRun(db, opts.runId);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  return { run, county, outDir, by, needToKnow: opts.needToKnow === true };
}

/** The file-name part naming the county filter. */
export function countyPart(ctx: ExportContext): string {
  return ctx.county ?? '全部';
}

/** Writes the audit_log row of one exported file. */
export async function auditFile(db: Db, ctx: ExportContext, kind: ExportKind, file: ExportedFile, templateVersion: string | null): Promise<void> {
  await appendAudit(db, {
    actor: ctx.by,
    action: 'export',
    runId: ctx.run.runId,
    target: file.path,
    rows: file.rows,
    detail: { kind, templateVersion, format: file.format, purpose: file.purpose, county: ctx.county, needToKnow: ctx.needToKnow },
  });
}

/**
 * The flags of the export's run and county with their status, that `where` admits; without the
 * need-to-know grant, not the HIV flags (they do not exist for such a requester).
 */
export function loadRunFlags(db: Db, ctx: ExportContext, where?: Sql): Promise<FlagRecord[]> {
  return loadFlags(db, ctx.run.runId, { county: ctx.county, where: sql`${flagVisibleSql(ctx.needToKnow)} AND (${where ?? sql`TRUE`})` });
}

/** A reason's label as the requester may read it (a criminal record is masked without the grant). */
export function exportReasonLabel(ctx: ExportContext, reason: string | null | undefined): string {
  return !ctx.needToKnow && isRestrictedReason(reason) ? RESTRICTED_REASON_LABEL : reasonLabel(reason);
}

/** Names a CSV meant for a system's importer, so that nobody takes it for the file to open. */
export const IMPORT_CSV_SUFFIX = '_系统导入';

/**
 * The two forms of a sheet export: the workbook as `<base>.xlsx`, the same rows as GB18030
 * `<base>.csv`; each file audited.
 */
export async function writeSheetExport(
  db: Db,
  ctx: ExportContext,
  kind: ExportKind,
  templateVersion: string,
  base: string,
  wb: ExcelJS.Workbook,
  columns: readonly ColumnSpec[],
  rows: readonly Record<string, Cell>[],
): Promise<ExportResult> {
  const files: ExportedFile[] = [
    { path: `${base}.xlsx`, format: 'xlsx', rows: rows.length, purpose: 'people' },
    { path: `${base}${IMPORT_CSV_SUFFIX}.csv`, format: 'csv', rows: rows.length, purpose: 'import' },
  ];
  await saveWorkbook(wb, files[0]!.path);
  writeCsv(files[1]!.path, columns, rows);
  for (const f of files) await auditFile(db, ctx, kind, f, templateVersion);
  return { kind, runId: ctx.run.runId, county: ctx.county, templateVersion, files };
}
