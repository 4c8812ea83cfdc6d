import { z } from 'zod';
import { FEED_SPECS, type FeedSpec, type FieldSpec } from '../feeds.js';

/** One stored column: its SQL type and the zod type of its JSON value when read back. */
export interface Column {
  name: string;
  sql: string;
  zod: z.ZodType;
}

const str = z.string().nullable();
const bool = z.boolean().nullable();
const strList = z.array(z.string()).nullable();

/** The stored columns that one field of a feed becomes. */
export function fieldColumns(f: FieldSpec): Column[] {
  const k = f.key;
  const col = (suffix: string, sql: string, zod: z.ZodType): Column => ({ name: k + suffix, sql, zod });
  switch (f.kind.type) {
    case 'text':
    case 'month':
      return [col('', 'VARCHAR', str)];
    case 'date':
      return [col('', 'DATE', str)];
    case 'region':
      return [col('', 'VARCHAR', str), col('_county', 'VARCHAR', str)];
    case 'code':
      return f.kind.subtype ? [col('', 'VARCHAR', str), col('_subtype', 'VARCHAR', str)] : [col('', 'VARCHAR', str)];
    case 'name':
      return [
        col('', 'VARCHAR', str),
        col('_norm', 'VARCHAR', str),
        col('_simplified', 'VARCHAR', str),
        col('_pinyin', 'VARCHAR', str),
        col('_pinyin_alts', 'VARCHAR[]', strList),
        col('_surname', 'VARCHAR', str),
        col('_given', 'VARCHAR', str),
        col('_tokens', 'VARCHAR[]', strList),
      ];
    case 'id':
      return [
        col('', 'VARCHAR', str),
        col('_valid', 'BOOLEAN', bool),
        col('_damaged', 'BOOLEAN', bool),
        col('_issues', 'VARCHAR[]', strList),
        col('_birth_date', 'DATE', str),
        col('_gender', 'VARCHAR', str),
        col('_region', 'VARCHAR', str),
        col('_region_current', 'VARCHAR[]', strList),
      ];
  }
}

const BASE_COLUMNS: Column[] = [
  { name: 'batch_id', sql: 'INTEGER NOT NULL', zod: z.number().int() },
  /** Ordinal of the record among the file's data records, 1-based. */
  { name: 'src_row', sql: 'INTEGER NOT NULL', zod: z.number().int() },
  /** Where a person finds it: the spreadsheet row / CSV or JSONL line. */
  { name: 'src_line', sql: 'INTEGER NOT NULL', zod: z.number().int() },
  /** The row exactly as read, every column including unknown ones, as JSON. */
  { name: 'raw', sql: 'JSON NOT NULL', zod: z.string() },
];

export function feedColumns(spec: FeedSpec): Column[] {
  return [...BASE_COLUMNS, ...spec.fields.flatMap(fieldColumns)];
}

/** zod schema of a stored feed row (as returned by getRowObjectsJson), derived from the feed spec. */
export function storedRowSchema(spec: FeedSpec) {
  return z.object(Object.fromEntries(feedColumns(spec).map((c) => [c.name, c.zod])));
}

export function feedTableDdl(spec: FeedSpec): string {
  const cols = feedColumns(spec).map((c) => `  "${c.name}" ${c.sql}`);
  return `CREATE TABLE ${spec.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (batch_id, src_row)\n);`;
}

export const ALL_FEED_SPECS = Object.values(FEED_SPECS);
