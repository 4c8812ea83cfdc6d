// Exports of a run's flags: the national system's change file, the education bureau's list,
// all flags for analysts (Parquet, Arrow) and the quarterly summary. Each file is audited.
import type { Db } from '../pipeline/store/index.js';
import { exportFlags } from './analyst.js';
import type { ExportKind, ExportOptions, ExportResult } from './common.js';
import { exportEducation } from './education.js';
import { exportNational } from './national.js';
import { exportSummary } from './summary.js';

export { exportNational, exportEducation, exportFlags, exportSummary };
export { EDUCATION_COLUMNS } from './education.js';
export { NATIONAL_V1_COLUMNS } from './templates/national-v1.js';
export { csvText, addSheet, addNotesSheet, newWorkbook, saveWorkbook, type ColumnSpec, type Cell } from './files.js';
export {
  quarantineRows, exportQuarantine, maskQuarantineRow, maskIdsInText, quarantineFilterSchema,
  type QuarantineRow, type QuarantineFilter, type QuarantineExportResult,
} from './quarantine.js';
export { EXPORT_KINDS, type ExportKind, type ExportOptions, type ExportResult, type ExportedFile } from './common.js';

const EXPORTERS: Record<ExportKind, (db: Db, opts: ExportOptions) => Promise<ExportResult>> = {
  national: exportNational,
  education: exportEducation,
  flags: exportFlags,
  summary: exportSummary,
};

/** Runs one export by kind. */
export function runExport(db: Db, kind: ExportKind, opts: ExportOptions): Promise<ExportResult> {
  return EXPORTERS[kind](db, opts);
}
export { registerExportCommands } from './cli.js';
