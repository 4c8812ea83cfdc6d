// Bounds on what one input file may hold. A value, row or file beyond them is quarantined or fails
// with its reason (in Chinese): no single file may exhaust the memory of an ingest, or stop the
// files after it. README "Bounds on input files" lists them.

export const LIMITS = {
  /** Characters in one field (cell) of any feed; a longer value quarantines its row. */
  maxFieldChars: 4_000,
  /** Characters in a name field (姓名 and every other name column); a longer value quarantines its row. */
  maxNameChars: 100,
  /** Bytes of one line of a CSV or JSON Lines file, and characters of one row of any format; a longer row is quarantined. */
  maxRowBytes: 1 << 20,
  /** Columns of a file (header cells, JSON keys, Parquet columns); a wider file fails. */
  maxColumns: 1_000,
  /** Uncompressed bytes of all the entries of an XLSX (a ZIP archive); a larger workbook fails before it is read. */
  maxXlsxUncompressedBytes: 4 * 2 ** 30,
  /** Uncompressed bytes of an XLSX's shared strings, which the reader holds in memory. */
  maxXlsxSharedStringsBytes: 512 * 2 ** 20,
  /** Uncompressed : compressed ratio of one XLSX entry over 1 MiB (spreadsheet XML compresses about 10-30 : 1; a zip bomb far more). */
  maxXlsxCompressionRatio: 400,
} as const;

export type Limits = typeof LIMITS;

/** An input that breaks a bound or cannot be read, with a reason for the operator (Chinese, no personal data). */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * A message of a library (DuckDB, exceljs) made fit to store and print: its first line only (DuckDB
 * quotes the offending line on the next), quoted values and anything like an ID number removed, at
 * most 200 characters. A name or an ID number in a file never reaches a message.
 */
export function scrubMessage(message: string): string {
  const first = (message.split('\n')[0] ?? '').trim();
  return first
    .replace(/'[^']*'|"[^"]*"|“[^”]*”|「[^」]*」/g, '…')
    .replace(/[0-9０-９]{6,}[0-9０-９xX*]*/g, '…')
    .replace(/\p{Script=Han}{2,}/gu, '…')
    .slice(0, 200);
}

/** Quarantine reasons of the readers and of these bounds (connectors/readers, ingest.ts), in Chinese: `bidui status` shows them. */
export const READ_REASON_LABELS: Readonly<Record<string, string>> = {
  ROW_TOO_LONG: '整行过长',
  FIELD_TOO_LONG: '字段内容过长',
  UNREADABLE_LINE: '该行无法读取',
  CELL_ERROR: '单元格是错误值或没有计算结果的公式',
};
