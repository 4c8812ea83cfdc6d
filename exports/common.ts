export { parseEvidence, type EvidenceItem } from '../rules/evidence.js';
import type { FlagRow } from '../rules/run.js';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
import { appendAudit, latestDecisionsSql, resolveRun, UserError, type RunInfo } from '../review/index.js';
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
  return { run, county, outDir, by };
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
    detail: { kind, templateVersion, format: file.format, county: ctx.county },
  });
}

/** One stored flag row with its latest decision; dates as 'YYYY-MM-DD' text. */
export interface FlagRecord extends Omit<FlagRow, 'params' | 'child_person_id'> {
  run_id: string;
  as_of: string;
  child_person_id: string | null;
  lifecycle: string | null;
  decision: string | null;
  decision_id: number | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
}

/** SQL over the flags of a run joined with their latest decision, filtered by county prefix. */
export function runFlagsSql(runId: string, county: string | null, where = 'TRUE'): string {
  return `
SELECT f.flag_id, f.run_id, f.flag_key, CAST(f.as_of AS VARCHAR) AS as_of, f.flag, f.category, f.previous_category, f.reason,
       f.child_person_id, f.child_name, f.child_id_number, f.child_ref, f.county_code,
       CAST(f.effective_from AS VARCHAR) AS effective_from, f.overpaid_months, f.priority, f.score,
       CAST(f.evidence AS VARCHAR) AS evidence, f.fingerprint, f.lifecycle,
       d.decision, d.decision_id, d.decided_by, CAST(d.decided_at AS VARCHAR) AS decided_at, d.reason AS decision_reason
  FROM flags f LEFT JOIN (${latestDecisionsSql(runId)}) d ON d.flag_id = f.flag_id
 WHERE f.run_id = ${lit(runId)}
   ${county ? `AND starts_with(f.county_code, ${lit(county)})` : ''}
   AND (${where})
 ORDER BY f.county_code NULLS LAST, f.flag, f.priority, f.flag_id`;
}

export async function loadRunFlags(db: Db, ctx: ExportContext, where = 'TRUE'): Promise<FlagRecord[]> {
  const rows = await queryRows<FlagRecord>(db, runFlagsSql(ctx.run.runId, ctx.county, where));
  return rows.map((r) => ({
    ...r,
    overpaid_months: r.overpaid_months == null ? null : Number(r.overpaid_months),
    priority: Number(r.priority),
    decision_id: r.decision_id == null ? null : Number(r.decision_id),
  }));
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
