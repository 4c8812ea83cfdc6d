// The change files sent to the national and provincial systems, written from a template file
// (template.ts): the run's flags of the template's types and statuses, one row each.
import { join } from 'node:path';
import { categoryLabel, flagLabel, isRestrictedReason, reasonLabel, RESTRICTED_REASON_LABEL, statusLabel, type FlagRecord } from '../flags/index.js';
import { normalizeId, regionInfo } from '../pipeline/identity/index.js';
import { beijingTime } from '../pipeline/timing.js';
import { sql, textList, type Db } from '../pipeline/store/index.js';
import { auditFile, countyPart, loadRunFlags, prepareExport, type ExportContext, type ExportedFile, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, saveWorkbook, writeCsv, type Cell, type ColumnSpec } from './files.js';
import { loadTemplate, type Template, type TemplateColumn, type TemplateField } from './template.js';

type Raw = string | number | null;

/** The raw value of a field for one flag (codes still codes, dates YYYY-MM-DD). */
function fieldValue(field: TemplateField, f: FlagRecord, seq: number): Raw {
  const id = f.child_id_number?.trim() || null;
  const parsed = id ? normalizeId(id) : null;
  const isRemove = f.flag === 'REMOVE';
  switch (field) {
    case 'seq':
      return seq;
    case 'flag':
      return f.flag;
    case 'name':
      return f.child_name;
    case 'id_number':
      return parsed?.id ?? id;
    case 'gender':
      return parsed?.gender ?? null;
    case 'birth_date':
      return parsed?.birthDate ?? null;
    case 'county_code':
      return f.county_code;
    case 'county_name':
      return f.county_code ? regionInfo(f.county_code).name : null;
    case 'category':
      // REMOVE: the category the child leaves (flags.category; previous_category when the engine put it there).
      return isRemove ? (f.category ?? f.previous_category) : f.category;
    case 'previous_category':
      return f.flag === 'RECLASSIFY' ? f.previous_category : null;
    case 'reason':
      return f.reason;
    case 'effective_from':
      return f.effective_from;
    case 'overpaid_months':
      return isRemove ? (f.overpaid_months ?? null) : null;
    case 'overpaid_amount':
      return isRemove ? (f.overpaid_amount ?? null) : null;
    case 'decided_by':
      return f.decided_by;
    case 'decided_at':
      return f.decided_at ? f.decided_at.slice(0, 10) : null;
    case 'status':
      return f.status;
    case 'child_ref':
      return f.child_ref;
    case 'run_id':
      return f.run_id;
    case 'as_of':
      return f.as_of;
    case 'flag_id':
      return f.flag_id;
  }
}

/** The product's Chinese label of a code of a field. */
function codeLabel(field: TemplateField, code: string): string {
  switch (field) {
    case 'flag':
      return flagLabel(code);
    case 'gender':
      return code === 'M' ? '男' : code === 'F' ? '女' : code;
    case 'category':
    case 'previous_category':
      return categoryLabel(code);
    case 'reason':
      return reasonLabel(code);
    case 'status':
      return statusLabel(code);
    default:
      return code;
  }
}

function formatDate(iso: string, pattern: string): string {
  return pattern.replace('YYYY', iso.slice(0, 4)).replace('MM', iso.slice(5, 7)).replace('DD', iso.slice(8, 10));
}

/** One cell of a template column for one flag, as the requester may read it. */
export function templateCell(ctx: Pick<ExportContext, 'needToKnow'>, c: TemplateColumn, f: FlagRecord, seq: number): Cell {
  if (c.value !== undefined) return c.value;
  const field = c.field!;
  const v = fieldValue(field, f, seq);
  if (v === null || v === '') return null;
  if (field === 'reason' && !ctx.needToKnow && isRestrictedReason(String(v))) return c.restricted ?? RESTRICTED_REASON_LABEL;
  if (c.format === 'integer') return Math.round(Number(v));
  if (c.format === 'amount') return Math.round(Number(v) * 100) / 100;
  if (c.format === 'date') return formatDate(String(v), c.datePattern);
  if (c.codes || ['flag', 'gender', 'category', 'previous_category', 'reason', 'status'].includes(field)) {
    const code = String(v);
    const mapped = c.codes?.[code] ?? c.codes?.[code.split(':')[0]!];
    if (mapped !== undefined) return mapped;
    return c.otherCodes === 'code' ? code : c.otherCodes === 'empty' ? null : codeLabel(field, code);
  }
  return v;
}

/** The writer's column specs of a template: keys are the column positions. */
export function templateColumnSpecs(t: Template): ColumnSpec[] {
  return t.columns.map((c, i) => {
    const spec: ColumnSpec = { key: `c${i}`, header: c.header, width: c.width };
    if (c.format === 'amount') spec.numFmt = '0.00';
    else if (c.format !== 'integer') spec.text = true;
    return spec;
  });
}

/** An amount written into a CSV keeps its two decimals (1800 → 1800.00), as in the XLSX cell's format. */
function csvRows(t: Template, rows: Record<string, Cell>[]): Record<string, Cell>[] {
  const amounts = t.columns.flatMap((c, i) => (c.format === 'amount' ? [`c${i}`] : []));
  if (!amounts.length) return rows;
  return rows.map((r) => ({ ...r, ...Object.fromEntries(amounts.map((k) => [k, typeof r[k] === 'number' ? (r[k] as number).toFixed(2) : r[k]])) }));
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

/**
 * The change file of a template for a run: the flags of its types whose status it admits, in the
 * order of its flag list, then by county and flag id; an XLSX (rows sheet and notes sheet) and/or
 * CSV per its `files`; each file audited with the template's name.
 */
export async function exportTemplate(db: Db, opts: ExportOptions, system: Template['system']): Promise<ExportResult> {
  const t = loadTemplate(opts.template, system);
  const ctx = await prepareExport(db, opts);
  const flags = await loadRunFlags(
    db,
    ctx,
    sql`flag IN (SELECT unnest(${textList(t.rows.flags)})) AND status IN (SELECT unnest(${textList(t.rows.statuses)}))`,
  );
  const order = (flag: string) => t.rows.flags.indexOf(flag as (typeof t.rows.flags)[number]);
  flags.sort((a, b) => order(a.flag) - order(b.flag) || (a.county_code ?? '').localeCompare(b.county_code ?? '') || a.flag_id.localeCompare(b.flag_id));
  const rows = flags.map((f, i) => Object.fromEntries(t.columns.map((c, j) => [`c${j}`, templateCell(ctx, c, f, i + 1)])));
  const columns = templateColumnSpecs(t);

  const flagColumn = t.columns.find((c) => c.field === 'flag');
  const flagName = (flag: string) => flagColumn?.codes?.[flag] ?? flagLabel(flag);
  const values: Record<string, string> = {
    title: t.title,
    name: t.name,
    run: ctx.run.runId,
    asOf: ctx.run.asOf,
    county: ctx.county ?? '全部',
    rows: String(rows.length),
    countsByFlag: t.rows.flags.map((flag) => `${flagName(flag)} ${flags.filter((f) => f.flag === flag).length}`).join('，'),
    by: ctx.by,
    time: beijingTime(),
  };

  const base = join(ctx.outDir, fill(t.fileName, { run: safeFilePart(ctx.run.runId), county: countyPart(ctx) }));
  const files: ExportedFile[] = [];
  for (const spec of t.files) {
    const path = `${base}${spec.suffix}.${spec.format}`;
    if (spec.format === 'xlsx') {
      const wb = newWorkbook();
      addSheet(wb, { name: t.sheet, columns, rows });
      if (t.notes.length) addNotesSheet(wb, t.notes.map(([item, text]) => [item, fill(text, values)]), t.notesSheet);
      await saveWorkbook(wb, path);
    } else writeCsv(path, columns, csvRows(t, rows), spec.encoding);
    files.push({ path, format: spec.format, rows: rows.length, purpose: spec.purpose });
  }
  for (const f of files) await auditFile(db, ctx, system, f, t.name);
  return { kind: system, runId: ctx.run.runId, county: ctx.county, templateVersion: t.name, files };
}
