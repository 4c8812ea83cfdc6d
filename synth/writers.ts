/** Streaming file sinks: CSV (UTF-8 with/without BOM, GB18030), JSON Lines, Parquet (via DuckDB), XLSX. */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type Format = 'csv-utf8' | 'csv-utf8-bom' | 'csv-gb18030' | 'xlsx' | 'jsonl' | 'parquet';
export type Cell = string | number | Date | null;

export const FORMAT_EXT: Record<Format, string> = {
  'csv-utf8': 'csv', 'csv-utf8-bom': 'csv', 'csv-gb18030': 'csv', xlsx: 'xlsx', jsonl: 'jsonl', parquet: 'parquet',
};

const CHUNK = 1 << 20;

/** Buffered synchronous text writer (UTF-8 or GB18030). */
export class TextOut {
  private fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string, private readonly enc: 'utf8' | 'gb18030' = 'utf8', bom = false) {
    this.fd = openSync(path, 'w');
    if (bom) writeSync(this.fd, Buffer.from([0xef, 0xbb, 0xbf]));
  }
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    writeSync(this.fd, this.enc === 'utf8' ? Buffer.from(s, 'utf8') : iconv.encode(s, 'gb18030'));
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
}

function cellText(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return v.toISOString().slice(0, 10);
}

export interface Sink {
  row(cells: Cell[]): void;
  close(): Promise<void>;
}

let duck: Promise<DuckDBConnection> | null = null;
export function duckdb(): Promise<DuckDBConnection> {
  duck ??= DuckDBInstance.create(':memory:', { threads: '2' }).then((i) => i.connect());
  return duck;
}

export async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const db = await duckdb();
  const q = (s: string) => "'" + s.replaceAll("'", "''") + "'";
  await db.run(
    `COPY (SELECT * FROM read_csv(${q(csv)}, header=true, all_varchar=true, delim=',', quote='"', escape='"')) TO ${q(parquet)} (FORMAT parquet)`,
  );
  rmSync(csv);
}

class CsvSink implements Sink {
  private out: TextOut;
  constructor(path: string, header: string[], enc: 'utf8' | 'gb18030', bom: boolean) {
    this.out = new TextOut(path, enc, bom);
    this.out.write(header.map(csvCell).join(',') + '\r\n');
  }
  row(cells: Cell[]): void {
    let s = '';
    for (let i = 0; i < cells.length; i++) {
      if (i) s += ',';
      s += csvCell(cellText(cells[i] as Cell));
    }
    this.out.write(s + '\r\n');
  }
  async close(): Promise<void> {
    this.out.close();
  }
}

class JsonlSink implements Sink {
  private out: TextOut;
  constructor(path: string, private readonly keys: string[]) {
    this.out = new TextOut(path);
  }
  row(cells: Cell[]): void {
    const o: Record<string, string | null> = {};
    this.keys.forEach((k, i) => {
      const v = cells[i] as Cell;
      o[k] = v === null || v === '' ? null : cellText(v);
    });
    this.out.write(JSON.stringify(o) + '\n');
  }
  async close(): Promise<void> {
    this.out.close();
  }
}

class ParquetSink implements Sink {
  private csv: CsvSink;
  private tmp: string;
  constructor(private readonly path: string, keys: string[]) {
    this.tmp = path + '.tmp.csv';
    this.csv = new CsvSink(this.tmp, keys, 'utf8', false);
  }
  row(cells: Cell[]): void {
    this.csv.row(cells);
  }
  async close(): Promise<void> {
    await this.csv.close();
    await csvToParquet(this.tmp, this.path);
  }
}

/** Fixed timestamp inside the XLSX package (zip entries and document properties). */
const XLSX_EPOCH = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));

interface JsZipLike {
  loadAsync(b: Buffer): Promise<{
    forEach(cb: (path: string, f: { date: Date }) => void): void;
    generateAsync(o: { type: 'nodebuffer'; compression: 'DEFLATE' }): Promise<Buffer>;
  }>;
}
let jszip: JsZipLike | null = null;
function getJsZip(): JsZipLike {
  // the JSZip instance exceljs itself uses (a dependency of exceljs)
  jszip ??= createRequire(createRequire(import.meta.url).resolve('exceljs'))('jszip') as JsZipLike;
  return jszip;
}

class XlsxSink implements Sink {
  private rows: Cell[][] = [];
  constructor(private readonly path: string, private readonly header: string[], private readonly dateCols: number[]) {}
  row(cells: Cell[]): void {
    this.rows.push(cells);
  }
  async close(): Promise<void> {
    const wb = new ExcelJS.Workbook();
    wb.creator = 'bidui synth';
    wb.created = XLSX_EPOCH;
    wb.modified = XLSX_EPOCH;
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(this.header);
    for (const r of this.rows) ws.addRow(r);
    for (const c of this.dateCols) ws.getColumn(c + 1).numFmt = 'yyyy-mm-dd';
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const zip = await getJsZip().loadAsync(buf);
    zip.forEach((_p, f) => {
      f.date = XLSX_EPOCH;
    });
    const fixed = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const fd = openSync(this.path, 'w');
    writeSync(fd, fixed);
    closeSync(fd);
    this.rows = [];
  }
}

export function openSink(format: Format, path: string, header: string[], keys: string[], dateCols: number[]): Sink {
  switch (format) {
    case 'csv-utf8': return new CsvSink(path, header, 'utf8', false);
    case 'csv-utf8-bom': return new CsvSink(path, header, 'utf8', true);
    case 'csv-gb18030': return new CsvSink(path, header, 'gb18030', false);
    case 'jsonl': return new JsonlSink(path, keys);
    case 'parquet': return new ParquetSink(path, keys);
    case 'xlsx': return new XlsxSink(path, header, dateCols);
  }
}
