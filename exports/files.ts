// Writers shared by the exports: XLSX (exceljs) and GB18030 CSV (iconv-lite).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { neutraliseFormula, neutraliseFormulaSql } from '../pipeline/identity/index.js';

export type Cell = string | number | null | undefined;

export interface ColumnSpec {
  key: string;
  header: string;
  /** Column width in characters (a Chinese character counts about 2). */
  width: number;
  /** Text column: cells written as strings with the text format '@' (ID numbers, codes, dates). */
  text?: boolean;
  /** Number format of a numeric column (e.g. '0.00' for amounts in 元). */
  numFmt?: string;
}

export interface SheetSpec {
  name: string;
  columns: readonly ColumnSpec[];
  rows: readonly Record<string, Cell>[];
  /** Rows after the data, in bold (e.g. 合计). */
  totals?: readonly Record<string, Cell>[];
}

export { neutraliseFormula, neutraliseFormulaSql };

function cellValue(col: ColumnSpec, v: Cell): string | number | null {
  if (v === undefined || v === null || v === '') return null;
  if (col.text || typeof v === 'string') return neutraliseFormula(String(v));
  return v;
}

/** Adds a sheet: bold frozen header row, auto filter, text format on text columns. */
export function addSheet(wb: ExcelJS.Workbook, spec: SheetSpec): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(spec.name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = spec.columns.map((c) => ({ header: c.header, key: c.key, width: c.width, style: c.text ? { numFmt: '@' } : c.numFmt ? { numFmt: c.numFmt } : {} }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7EEF7' } };
  const add = (r: Record<string, Cell>, bold: boolean) => {
    const row = ws.addRow(Object.fromEntries(spec.columns.map((c) => [c.key, cellValue(c, r[c.key])])));
    spec.columns.forEach((c, i) => {
      if (c.text) row.getCell(i + 1).numFmt = '@';
      else if (c.numFmt) row.getCell(i + 1).numFmt = c.numFmt;
    });
    if (bold) row.font = { bold: true };
  };
  for (const r of spec.rows) add(r, false);
  for (const r of spec.totals ?? []) add(r, true);
  if (spec.columns.length) ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: spec.columns.length } };
  return ws;
}

/** Adds the 说明 sheet: two columns, 项目 and 内容. */
export function addNotesSheet(wb: ExcelJS.Workbook, notes: readonly [string, Cell][], name = '说明'): ExcelJS.Worksheet {
  return addSheet(wb, {
    name,
    columns: [
      { key: 'item', header: '项目', width: 20, text: true },
      { key: 'value', header: '内容', width: 60, text: true },
    ],
    rows: notes.map(([item, value]) => ({ item, value })),
  });
}

export function newWorkbook(): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'bidui';
  wb.created = new Date();
  return wb;
}

export async function saveWorkbook(wb: ExcelJS.Workbook, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await wb.xlsx.writeFile(path);
}

function csvField(v: Cell): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? neutraliseFormula(v) : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV text: header row of Chinese headers, CRLF after every record. */
export function csvText(columns: readonly ColumnSpec[], rows: readonly Record<string, Cell>[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c.key])).join(','));
  return lines.map((l) => l + '\r\n').join('');
}

export type CsvEncoding = 'gb18030' | 'utf-8' | 'utf-8-bom';

/** Writes a CSV; GB18030 (no BOM) by default, the encoding Chinese government systems and Excel expect. */
export function writeCsv(path: string, columns: readonly ColumnSpec[], rows: readonly Record<string, Cell>[], encoding: CsvEncoding = 'gb18030'): void {
  mkdirSync(dirname(path), { recursive: true });
  const text = csvText(columns, rows);
  writeFileSync(path, encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.from((encoding === 'utf-8-bom' ? '\ufeff' : '') + text, 'utf8'));
}

/** Replaces characters that are not allowed in file names. */
export function safeFilePart(s: string): string {
  return s.replace(/[\\/:*?"<>|\s]+/g, '_');
}
