import ExcelJS from 'exceljs';
import { ident, type Db } from '../../pipeline/store/index.js';
import { NUMERIC_SEP, uniqueHeaders, type ReadOptions, type ReadResult } from './types.js';

type CellText = { text: string | null; numeric: boolean };

/** A cell as text, never as a number: a numeric cell is flagged so an ID in it is reported as damaged. */
function cellText(value: ExcelJS.CellValue): CellText {
  if (value === null || value === undefined) return { text: null, numeric: false };
  if (typeof value === 'string') return { text: value, numeric: false };
  if (typeof value === 'number') return { text: String(value), numeric: true };
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE', numeric: false };
  if (value instanceof Date) return { text: Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10), numeric: false };
  if (typeof value === 'object') {
    if ('richText' in value) return { text: value.richText.map((r) => r.text).join(''), numeric: false };
    if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
    if ('text' in value) return { text: String(value.text), numeric: false };
    if ('error' in value) return { text: null, numeric: false };
  }
  return { text: String(value), numeric: false };
}

/** XLSX, streamed (sheets of a million rows stay out of memory), appended to DuckDB in bulk. */
export async function readXlsx(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let headers: string[] | null = null;
  let headerRow = 0;
  let rowsRead = 0;
  let sheetIndex = 0;
  let appender: Awaited<ReturnType<Db['createAppender']>> | null = null;
  for await (const sheet of reader) {
    sheetIndex++;
    const name = (sheet as unknown as { name?: string }).name;
    const wanted = opts.sheet ? name === opts.sheet : sheetIndex === 1;
    if (!wanted) {
      for await (const _row of sheet) void _row; // must drain to reach the next sheet
      continue;
    }
    for await (const row of sheet) {
      const values = (row.values as ExcelJS.CellValue[]) ?? [];
      if (!headers) {
        headers = uniqueHeaders(values.slice(1).map((v) => cellText(v).text ?? ''));
        headerRow = row.number;
        await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
        await db.run(
          `CREATE TEMP TABLE ${ident(table)} (src_row INTEGER, src_line INTEGER, numeric_cols VARCHAR, ${headers
            .map((h) => `${ident(h)} VARCHAR`)
            .join(', ')})`,
        );
        appender = await db.createAppender(table, 'main', 'temp');
        continue;
      }
      const cells = headers.map((_, i) => cellText(values[i + 1] ?? null));
      if (cells.every((c) => c.text === null || c.text.trim() === '')) continue;
      const app = appender!;
      app.appendInteger(row.number - headerRow);
      app.appendInteger(row.number);
      const numeric = headers.filter((_, i) => cells[i]!.numeric);
      if (numeric.length) app.appendVarchar(numeric.join(NUMERIC_SEP));
      else app.appendNull();
      for (const c of cells) {
        if (c.text === null) app.appendNull();
        else app.appendVarchar(c.text);
      }
      app.endRow();
      rowsRead++;
    }
  }
  if (!headers) throw new Error(opts.sheet ? `sheet "${opts.sheet}" not found or empty` : 'the workbook has no rows');
  appender!.closeSync();
  const dateBase1904 = Boolean((reader as unknown as { properties?: { date1904?: boolean } }).properties?.date1904);
  return { format: 'xlsx', encoding: null, headers, rowsRead, rejected: [], dateBase1904 };
}
