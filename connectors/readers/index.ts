import { extname } from 'node:path';
import type { Db } from '../../pipeline/store/index.js';
import { readCsv } from './csv.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { readXlsx } from './xlsx.js';
import type { FileFormat, ReadOptions, ReadResult } from './types.js';

export * from './types.js';
export { detectEncoding } from './encoding.js';

const BY_EXTENSION: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'csv',
  '.xlsx': 'xlsx',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
};

export function formatOf(path: string): FileFormat | null {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? null;
}

/** Reads any supported file into a staging table (see ReadResult for its shape). */
export function readFile(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  switch (opts.format) {
    case 'csv':
      return readCsv(db, path, table, opts);
    case 'xlsx':
      return readXlsx(db, path, table, opts);
    case 'jsonl':
      return readJsonl(db, path, table, opts);
    case 'parquet':
      return readParquet(db, path, table, opts);
  }
}
