// Exports of a run's flags: the change files of the national and provincial systems (templates as
// data, exports/templates/*.json), the education bureau's list, all flags for analysts (Parquet,
// Arrow) and the quarterly report (PDF and XLSX). Each file is audited.
import { sealFile } from '../pipeline/seal/index.js';
import { storeKeys, type Db } from '../pipeline/store/index.js';
import { exportFlags } from './analyst.js';
import { exportTemplate } from './changes.js';
import type { ExportKind, ExportOptions, ExportResult } from './common.js';
import { exportEducation } from './education.js';
import { exportSummary } from './report.js';

/** The national system's change file, in the template of `opts.template` (default: the national default template). */
export const exportNational = (db: Db, opts: ExportOptions): Promise<ExportResult> => exportTemplate(db, opts, 'national');
/** A provincial system's change file (default: the first provincial template). */
export const exportProvincial = (db: Db, opts: ExportOptions): Promise<ExportResult> => exportTemplate(db, opts, 'provincial');

export { exportEducation, exportFlags, exportSummary };
export { EDUCATION_COLUMNS } from './education.js';
export { listTemplates, loadTemplate, parseTemplate, templatesDir, TEMPLATE_FIELDS, type Template } from './template.js';
export { csvText, addSheet, addNotesSheet, newWorkbook, saveWorkbook, type ColumnSpec, type Cell } from './files.js';
export {
  quarantineRows, exportQuarantine, maskQuarantineRow, maskIdsInText, quarantineFilterSchema,
  type QuarantineRow, type QuarantineFilter, type QuarantineExportResult,
} from './quarantine.js';
export { EXPORT_KINDS, purposeLabel, type ExportKind, type ExportOptions, type ExportResult, type ExportedFile } from './common.js';
export { exportChoices, exportChoice, type ExportChoice } from './choices.js';
export { locateCjkFont, CJK_FONT_PACKAGE } from './font.js';

const EXPORTERS: Record<ExportKind, (db: Db, opts: ExportOptions) => Promise<ExportResult>> = {
  national: exportNational,
  provincial: exportProvincial,
  education: exportEducation,
  flags: exportFlags,
  summary: exportSummary,
};

/**
 * Runs one export by kind. Files with personal data are left sealed (`<name>.sm4`, RULES.md §4):
 * `bidui open` or the web's download gives them to a person with the key.
 */
export async function runExport(db: Db, kind: ExportKind, opts: ExportOptions): Promise<ExportResult> {
  const result = await EXPORTERS[kind](db, opts);
  if (COUNTS_ONLY.includes(kind)) return result;
  return { ...result, files: result.files.map((f) => ({ ...f, path: sealFile(storeKeys(db), f.path) })) };
}

/** Exports of counts only (the quarterly report: no name, ID number or record): left open, to be printed. */
const COUNTS_ONLY: readonly ExportKind[] = ['summary'];
export { registerExportCommands } from './cli.js';
export { registerExchangeCommands } from './exchange-cli.js';
export { writeExchangeRequest, EXCHANGE_REQUEST_COLUMNS, type ExchangeRequestOptions, type ExchangeRequestResult } from './exchange.js';
