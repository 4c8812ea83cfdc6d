import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createInflateRaw, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { ident, type Db } from '../../pipeline/store/index.js';
import { InputError, LIMITS, scrubMessage, type Limits } from '../limits.js';
import { NUMERIC_SEP, uniqueHeaders, type CellError, type ReadOptions, type ReadResult } from './types.js';

/** A cell as text, never as a number: a numeric cell is flagged so an ID in it is reported as damaged; an error value or a formula without its value is an error. */
export type CellText = { text: string | null; numeric: boolean; error?: string };

const EMPTY: CellText = { text: null, numeric: false };

/** The text of a cell value (what exceljs gives for a cell that is not a formula; also a formula's result). */
export function valueText(value: unknown): CellText {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === 'string') return { text: value, numeric: false };
  if (typeof value === 'number') {
    // The streaming reader reads a formula's cached error (#N/A, #REF!, ...) as a number: NaN.
    if (!Number.isFinite(value)) return { text: null, numeric: false, error: '公式结果为错误值 (如 #N/A、#REF!)' };
    return { text: String(value), numeric: true };
  }
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE', numeric: false };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? { text: null, numeric: false, error: '日期值无效' } : { text: value.toISOString().slice(0, 10), numeric: false };
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return { text: (v.richText as { text?: unknown }[]).map((r) => (typeof r.text === 'string' ? r.text : '')).join(''), numeric: false };
    if ('error' in v) return { text: null, numeric: false, error: `单元格为错误值 ${typeof v.error === 'string' ? v.error : ''}`.trim() };
    if ('formula' in v || 'sharedFormula' in v) {
      if (!('result' in v) || v.result === undefined) return { text: null, numeric: false, error: '公式没有保存计算结果 (请在 Excel 中打开并保存后重新放入)' };
      const r = valueText(v.result);
      return r.error ? { ...r, error: r.error.startsWith('公式') ? r.error : `公式结果为错误值: ${r.error}` } : r;
    }
    if ('result' in v) return valueText(v.result);
    if ('text' in v) return valueText(v.text); // a hyperlink: its text (plain or rich)
    if ('sharedString' in v) return { text: null, numeric: false, error: '共享字符串缺失' };
  }
  return { text: null, numeric: false, error: '无法识别的单元格内容' };
}

/** A cell of a row of the streaming reader. Formulas are read from the cell's model: exceljs's `value` drops a cached result of 0, '' or an error. */
export function cellText(cell: ExcelJS.Cell | undefined): CellText {
  if (!cell) return EMPTY;
  if (cell.type === ExcelJS.ValueType.Formula) {
    const model = cell.model as { result?: unknown };
    return valueText({ formula: '', result: model.result });
  }
  return valueText(cell.value);
}

/** A sheet as xl/workbook.xml lists it (the model exceljs's reader names its worksheets from). */
interface SheetModel {
  name: string;
  id: number;
  rId: string;
  state: string;
}

/** Where an entry of the archive is (central directory). */
interface ZipEntry {
  name: string;
  method: number;
  compressed: number;
  uncompressed: number;
  offset: number;
}

/** What checkXlsxArchive finds: the sheets xl/workbook.xml lists, and where the shared strings are (with their data's offset). */
interface XlsxArchive {
  sheets: SheetModel[];
  sharedStrings: (ZipEntry & { dataOffset: number }) | null;
}

/**
 * Checks an XLSX (a ZIP archive) from its central directory before it is read: a truncated file
 * has none, and a zip bomb declares (or compresses to) more than the bounds allow. Returns the sheets
 * its xl/workbook.xml lists (none when it has none) and its shared strings' entry.
 */
export async function checkXlsxArchive(path: string, limits: Limits): Promise<XlsxArchive> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new InputError('XLSX 文件不完整或已损坏 (找不到 ZIP 目录; truncated or not an XLSX)');
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || entries === 0xffff) throw new InputError('XLSX 超过大小上限 (ZIP64 archive)');
    if (cdOffset + cdSize > size) throw new InputError('XLSX 文件不完整或已损坏 (ZIP 目录超出文件末尾; truncated)');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    let total = 0;
    let workbook: ZipEntry | null = null;
    let sharedStrings: ZipEntry | null = null;
    for (let p = 0, n = 0; n < entries; n++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new InputError('XLSX 文件已损坏 (ZIP 目录无效)');
      const compressed = cd.readUInt32LE(p + 20);
      const uncompressed = cd.readUInt32LE(p + 24);
      if (compressed === 0xffffffff || uncompressed === 0xffffffff) throw new InputError('XLSX 超过大小上限 (ZIP64 entry)');
      total += uncompressed;
      const name = cd.toString('utf8', p + 46, p + 46 + cd.readUInt16LE(p + 28));
      if (name === 'xl/workbook.xml') workbook = { name, method: cd.readUInt16LE(p + 10), compressed, uncompressed, offset: cd.readUInt32LE(p + 42) };
      if (name === 'xl/sharedStrings.xml') sharedStrings = { name, method: cd.readUInt16LE(p + 10), compressed, uncompressed, offset: cd.readUInt32LE(p + 42) };
      if (/sharedStrings\.xml$/i.test(name) && uncompressed > limits.maxXlsxSharedStringsBytes) {
        throw new InputError(`XLSX 共享字符串解压后 ${Math.round(uncompressed / 2 ** 20)} MiB, 超过 ${Math.round(limits.maxXlsxSharedStringsBytes / 2 ** 20)} MiB 的上限`);
      }
      if (uncompressed > 1 << 20 && uncompressed > limits.maxXlsxCompressionRatio * Math.max(compressed, 1)) {
        throw new InputError(`XLSX 压缩比异常 (${Math.round(uncompressed / Math.max(compressed, 1))} : 1, 上限 ${limits.maxXlsxCompressionRatio} : 1; 疑似 zip 炸弹)`);
      }
      p += 46 + cd.readUInt16LE(p + 28) + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    if (total > limits.maxXlsxUncompressedBytes) {
      throw new InputError(`XLSX 解压后 ${Math.round(total / 2 ** 20)} MiB, 超过 ${Math.round(limits.maxXlsxUncompressedBytes / 2 ** 20)} MiB 的上限`);
    }
    return {
      sheets: workbook ? sheetsOf(await entryText(fh, workbook)) : [],
      sharedStrings: sharedStrings ? { ...sharedStrings, dataOffset: await dataOffset(fh, sharedStrings) } : null,
    };
  } finally {
    await fh.close();
  }
}

/** Where an entry's data starts (after its local header). */
async function dataOffset(fh: FileHandle, e: ZipEntry): Promise<number> {
  const local = Buffer.alloc(30);
  await fh.read(local, 0, 30, e.offset);
  if (local.readUInt32LE(0) !== 0x04034b50) throw new InputError('XLSX 文件已损坏 (ZIP 条目无效)');
  return e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
}

/** The text of a stored or deflated entry (bounded by the checks above). */
async function entryText(fh: FileHandle, e: ZipEntry): Promise<string> {
  const data = Buffer.alloc(e.compressed);
  await fh.read(data, 0, e.compressed, await dataOffset(fh, e));
  if (e.method === 0) return data.toString('utf8');
  if (e.method === 8) return inflateRawSync(data, { maxOutputLength: Math.max(e.uncompressed, 1) }).toString('utf8');
  throw new InputError(`XLSX 文件的压缩方式无法识别 (ZIP method ${e.method})`);
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const xmlText = (v: string) =>
  v.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (XML_ENTITIES[e] ?? m),
  );

/** The <sheet> elements of xl/workbook.xml. */
function sheetsOf(xml: string): SheetModel[] {
  return [...xml.matchAll(/<(?:\w+:)?sheet\s([^>]*?)\/?>/g)].map(([, attrs]) => {
    const attr = (re: RegExp) => xmlText(re.exec(attrs!)?.[1] ?? '');
    return { name: attr(/\bname="([^"]*)"/), id: Number(attr(/\bsheetId="([^"]*)"/)), rId: attr(/\b\w+:id="([^"]*)"/), state: attr(/\bstate="([^"]*)"/) || 'visible' };
  });
}

// exceljs spools a worksheet that comes before the shared strings in the archive to a temp file
// (full ID numbers in it) in os.tmpdir(), and os.tmpdir() follows TMPDIR: while a workbook is read,
// TMPDIR is the work folder inside the data folder, which ingest empties when it starts.
let spooling = 0;
let savedTmp: string | undefined;
async function withTmpDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  if (spooling++ === 0) savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (--spooling === 0) {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
  }
}

/** XLSX, streamed (sheets of a million rows stay out of memory), appended to DuckDB in bulk. */
export async function readXlsx(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const limits = opts.limits ?? LIMITS;
  const archive = await checkXlsxArchive(path, limits);
  return withTmpDir(opts.workDir, async () => {
    try {
      return await readSheet(db, path, table, opts, limits, archive);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`XLSX 无法读取 (cannot read xlsx file): ${scrubMessage((err as Error).message)}`);
    }
  });
}

/** Text of UTF-8 chunks, a character split across two chunks kept whole. */
async function* utf8Text(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const c of chunks) {
    const text = typeof c === 'string' ? c : decoder.write(c);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * exceljs 4.4's streaming reader decodes each inflated 16 KiB chunk of the shared strings and of a
 * sheet on its own, so a Chinese character (3 bytes) that straddles two chunks becomes "���"
 * (exceljs issues #2063, #2084): "2021年8月7日" arrived as "2021���8月7日" and the row was quarantined.
 * The shared-strings entry is switched to text (the stream's decoder keeps characters whole) and
 * each sheet's chunks are decoded the same way before the parser sees them.
 */
function decodeWhole(reader: ExcelJS.stream.xlsx.WorkbookReader): void {
  const r = reader as unknown as {
    _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
    _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
  };
  const sharedStrings = r._parseSharedStrings.bind(r);
  const worksheet = r._parseWorksheet.bind(r);
  r._parseSharedStrings = (entry) => sharedStrings(entry.setEncoding('utf8'));
  r._parseWorksheet = (iterator, sheetNo) => worksheet(utf8Text(iterator), sheetNo);
}

/**
 * exceljs 4.4's streaming reader names a worksheet from xl/workbook.xml, which it parses only when the archive's
 * single pass reaches it. An archive that stores workbook.xml after its sheets and shared strings (exceljs's own
 * writer does) made it read `this.model.sheets` of nothing: "Cannot read properties of undefined (reading
 * 'sheets')" (exceljs issue #3064), a good workbook failed. The sheets, read from the central directory first,
 * are its model from the start.
 */
function knowSheets(reader: ExcelJS.stream.xlsx.WorkbookReader, sheets: SheetModel[]): void {
  (reader as unknown as { model?: { sheets: SheetModel[] } }).model = { sheets };
}

/**
 * exceljs's writer (and others) store the sheets before xl/sharedStrings.xml. The streaming reader then copies each
 * sheet, full ID numbers and all, to a temporary file and parses it once the archive's single pass has read the shared
 * strings. They are read here first instead, from the central directory (streamed, inflated): the sheets are parsed
 * as they come, nothing personal is written to disk, and the archive's own shared-strings entry is skipped.
 */
async function knowSharedStrings(reader: ExcelJS.stream.xlsx.WorkbookReader, path: string, entry: XlsxArchive['sharedStrings']): Promise<void> {
  if (!entry || entry.compressed === 0) return;
  if (entry.method !== 0 && entry.method !== 8) throw new InputError(`XLSX 文件的压缩方式无法识别 (ZIP method ${entry.method})`);
  const r = reader as unknown as { _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown> };
  const raw = createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressed - 1 });
  // pipeline: an error of the file or of the inflation reaches the stream the parser reads.
  const data = entry.method === 8 ? pipeline(raw, createInflateRaw(), () => undefined) : raw;
  for await (const _ of r._parseSharedStrings(data)) void _;
  r._parseSharedStrings = async function* () {};
}

async function readSheet(db: Db, path: string, table: string, opts: ReadOptions, limits: Limits, archive: XlsxArchive): Promise<ReadResult> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  decodeWhole(reader);
  knowSheets(reader, archive.sheets);
  await knowSharedStrings(reader, path, archive.sharedStrings);
  let headers: string[] | null = null;
  let headerRow = 0;
  let rowsRead = 0;
  let sheetIndex = 0;
  const cellErrors: CellError[] = [];
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
      if (!headers && row.cellCount > limits.maxColumns) throw new InputError(`表头有 ${row.cellCount} 列, 超过 ${limits.maxColumns} 列的上限 (too many columns)`);
      if (!headers) {
        const cells = Array.from({ length: row.cellCount }, (_, i) => cellText(row.getCell(i + 1)));
        headers = uniqueHeaders(cells.map((c) => c.text ?? ''));
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
      // row.values is the fast path; a formula (whose value exceljs may have emptied) is read from its cell.
      const values = (row.values as unknown[]) ?? [];
      const cells = headers.map((_, i) => {
        const v = values[i + 1];
        const plainObject = typeof v === 'object' && v !== null && !(v instanceof Date) && !('richText' in v) && !('error' in v) && !('text' in v);
        return plainObject ? cellText(row.getCell(i + 1)) : valueText(v);
      });
      if (cells.every((c) => !c.error && (c.text === null || c.text.trim() === ''))) continue;
      const app = appender!;
      const srcRow = row.number - headerRow;
      app.appendInteger(srcRow);
      app.appendInteger(row.number);
      const numeric = headers.filter((_, i) => cells[i]!.numeric);
      if (numeric.length) app.appendVarchar(numeric.join(NUMERIC_SEP));
      else app.appendNull();
      cells.forEach((c, i) => {
        if (c.error) cellErrors.push({ srcRow, srcLine: row.number, header: headers![i]!, reason: 'CELL_ERROR', detail: c.error });
        if (c.text === null) app.appendNull();
        else app.appendVarchar(c.text);
      });
      app.endRow();
      rowsRead++;
    }
  }
  if (!headers) throw new InputError(opts.sheet ? `工作表 "${opts.sheet}" 不存在或为空 (sheet not found or empty)` : 'XLSX 没有任何行 (the workbook has no rows)');
  appender!.closeSync();
  const dateBase1904 = Boolean((reader as unknown as { properties?: { date1904?: boolean } }).properties?.date1904);
  return { format: 'xlsx', encoding: null, headers, rowsRead, rejected: [], cellErrors, dateBase1904 };
}
