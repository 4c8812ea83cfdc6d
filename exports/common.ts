import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { flagVisibleSql, isRestrictedReason, loadFlags, reasonLabel, RESTRICTED_REASON_LABEL, type FlagRecord } from '../flags/index.js';
import { sql } from '../pipeline/store/index.js';
import type { Db, Sql } from '../pipeline/store/index.js';
import { appendAudit, resolveRun, UserError, type RunInfo } from '../review/index.js';
import type ExcelJS from 'exceljs';
import { saveWorkbook, writeGb18030Csv, type Cell, type ColumnSpec } from './files.js';

export type ExportKind = 'national' | 'education' | 'flags' | 'summary';
export const EXPORT_KINDS: readonly ExportKind[] = ['national', 'education', 'flags', 'summary'];

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
}

export interface ExportedFile {
  path: string;
  format: 'xlsx' | 'csv' | 'parquet' | 'arrow';
  rows: number;
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
    detail: { kind, templateVersion, format: file.format, county: ctx.county, needToKnow: ctx.needToKnow },
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
    { path: `${base}.xlsx`, format: 'xlsx', rows: rows.length },
    { path: `${base}.csv`, format: 'csv', rows: rows.length },
  ];
  await saveWorkbook(wb, files[0]!.path);
  writeGb18030Csv(files[1]!.path, columns, rows);
  for (const f of files) await auditFile(db, ctx, kind, f, templateVersion);
  return { kind, runId: ctx.run.runId, county: ctx.county, templateVersion, files };
}
