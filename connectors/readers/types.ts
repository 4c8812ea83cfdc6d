import type { Limits } from '../limits.js';

export type FileFormat = 'csv' | 'xlsx' | 'jsonl' | 'parquet';
export type Encoding = 'utf-8' | 'gb18030';

/** A record the reader could not turn into fields (bad CSV line, invalid JSON line). */
export interface RejectedRecord {
  srcRow: number;
  srcLine: number;
  reason: string;
  detail: string;
  raw: string | null;
  /** The canonical key or header of the field at fault; null for the whole row. */
  field?: string | null;
}

/** A cell that holds no value to load (an XLSX error value, a formula without its result): its row is quarantined when the column is a feed field. */
export interface CellError {
  srcRow: number;
  srcLine: number;
  header: string;
  reason: string;
  detail: string;
}

/**
 * What every reader produces: a DuckDB table `table` with columns
 * src_row INTEGER (1-based ordinal of the data record), src_line INTEGER (spreadsheet row or file
 * line), numeric_cols VARCHAR (headers whose cell arrived as a number, joined by U+001F), then one
 * VARCHAR column per header, named exactly as the (de-duplicated) header.
 */
export interface ReadResult {
  format: FileFormat;
  encoding: Encoding | null;
  headers: string[];
  rowsRead: number;
  rejected: RejectedRecord[];
  /** Cells without a value to load (XLSX); the cell is NULL in the table. */
  cellErrors?: CellError[];
  /** XLSX workbooks can use the 1904 date system. */
  dateBase1904: boolean;
}

export interface ReadOptions {
  format: FileFormat;
  encoding: 'auto' | Encoding;
  sheet?: string;
  /** Where copies of the file (transcoded, spooled) are written: inside the data folder; removed after the read. */
  workDir: string;
  /** Bounds (connectors/limits.ts LIMITS by default). */
  limits?: Limits;
}

export const NUMERIC_SEP = '\u001f';

/** Unique, non-empty column names for a header row. */
export function uniqueHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    let name = (h ?? '').trim() || `column${i + 1}`;
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    if (n > 0) name = `${name}_${n + 1}`;
    return name;
  });
}
