// Streaming file writers: CSV (UTF-8, UTF-8 with BOM, GB18030), JSON Lines and XLSX. Rows go to
// disk in chunks, so a province-size scenario never holds a feed in memory.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { formatDate, type DateStyle } from './basics.js';

/** A cell: text, a calendar day (formatted per source), or a number (an ID a spreadsheet ate). */
export type Cell = string | null | { day: number } | { num: number };

export interface SourceDef {
  /** Path under the inbox, e.g. death/公安户籍注销_2026Q3.csv */
  file: string;
  format: 'csv' | 'jsonl' | 'xlsx';
  encoding?: 'utf-8' | 'utf-8-bom' | 'gb18030';
  dateStyle: DateStyle | 'excel-date';
  /** canonical key → header written in the file (order = column order). */
  headers: [string, string][];
  gender: 'label' | 'digit';
}

const CHUNK = 1 << 20;

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export class FileWriter {
  rows = 0;
  private fd: number | null = null;
  private buf = '';
  private xlsx: { wb: ExcelJS.stream.xlsx.WorkbookWriter; ws: ExcelJS.Worksheet } | null = null;

  constructor(
    readonly def: SourceDef,
    private readonly path: string,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    if (def.format === 'xlsx') {
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
      const ws = wb.addWorksheet('Sheet1');
      ws.addRow(def.headers.map(([, h]) => h)).commit();
      this.xlsx = { wb, ws };
    } else {
      this.fd = openSync(path, 'w');
      if (def.format === 'csv') {
        if (def.encoding === 'utf-8-bom') this.buf = '\ufeff';
        this.buf += def.headers.map(([, h]) => csvField(h)).join(',') + '\r\n';
      }
    }
  }

  private text(c: Cell): string {
    if (c === null) return '';
    if (typeof c === 'string') return c;
    if ('day' in c) return this.def.dateStyle === 'excel-date' ? formatDate(c.day, 'iso') : formatDate(c.day, this.def.dateStyle);
    return String(c.num);
  }

  /** Writes one record; returns its 1-based data row number. */
  write(fields: Record<string, Cell>): number {
    this.rows++;
    if (this.xlsx) {
      const values = this.def.headers.map(([k]) => {
        const c = fields[k] ?? null;
        if (c === null) return null;
        if (typeof c === 'string') return c;
        if ('num' in c) return c.num;
        if (this.def.dateStyle === 'excel-date') return new Date(c.day * 86_400_000);
        return formatDate(c.day, this.def.dateStyle);
      });
      const row = this.xlsx.ws.addRow(values);
      this.def.headers.forEach(([k], i) => {
        const c = fields[k];
        if (c && typeof c === 'object' && 'day' in c && this.def.dateStyle === 'excel-date') row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
      });
      row.commit();
      return this.rows;
    }
    if (this.def.format === 'jsonl') {
      const o: Record<string, string | number | null> = {};
      for (const [k, h] of this.def.headers) {
        const c = fields[k] ?? null;
        o[h] = c !== null && typeof c === 'object' && 'num' in c ? c.num : c === null ? null : this.text(c);
      }
      this.buf += JSON.stringify(o) + '\n';
    } else {
      this.buf += this.def.headers.map(([k]) => csvField(this.text(fields[k] ?? null))).join(',') + '\r\n';
    }
    if (this.buf.length > CHUNK) this.flush();
    return this.rows;
  }

  private flush() {
    if (!this.buf || this.fd === null) return;
    writeSync(this.fd, this.def.encoding === 'gb18030' ? iconv.encode(this.buf, 'gb18030') : Buffer.from(this.buf, 'utf8'));
    this.buf = '';
  }

  async close(): Promise<void> {
    if (this.xlsx) {
      await this.xlsx.ws.commit();
      await this.xlsx.wb.commit();
      return;
    }
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A plain UTF-8 CSV for the truth files. */
export class TruthWriter {
  private fd: number;
  private buf = '';
  constructor(path: string, header: string[]) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.buf = header.join(',') + '\n';
  }
  write(values: (string | number | null | undefined)[]) {
    this.buf += values.map((v) => csvField(v === null || v === undefined ? '' : String(v))).join(',') + '\n';
    if (this.buf.length > CHUNK) this.flush();
  }
  private flush() {
    writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}
