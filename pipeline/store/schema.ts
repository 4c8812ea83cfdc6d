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

/**
 * The forms of a name (pipeline/identity nameForms), kept once per distinct name in the
 * name_forms table rather than on every feed row: names repeat across rows, files and feeds,
 * and writing seven more columns per name field was half the cost of storing a batch.
 */
export const NAME_FORM_COLUMNS: Column[] = [
  { name: 'norm', sql: 'VARCHAR', zod: str },
  { name: 'simplified', sql: 'VARCHAR', zod: str },
  { name: 'pinyin', sql: 'VARCHAR', zod: str },
  { name: 'pinyin_alts', sql: 'VARCHAR[]', zod: strList },
  { name: 'surname', sql: 'VARCHAR', zod: str },
  { name: 'given', sql: 'VARCHAR', zod: str },
  { name: 'tokens', sql: 'VARCHAR[]', zod: strList },
];

/** name_forms: the forms of every name value stored in a feed's name column (the key). */
export const NAME_FORMS_DDL = `CREATE TABLE name_forms (
  name VARCHAR PRIMARY KEY,
${NAME_FORM_COLUMNS.map((c) => `  ${c.name} ${c.sql}`).join(',\n')}
);`;

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
      return [col('', 'VARCHAR', str)];
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

/** `inlineNameForms`: the layout of schema version 1, with each name's forms as `<name>_<form>` columns. */
export function feedTableDdl(spec: FeedSpec, opts: { inlineNameForms?: boolean } = {}): string {
  const columns = feedColumns(spec).flatMap((c) => {
    const isName = spec.fields.some((f) => f.key === c.name && f.kind.type === 'name');
    return opts.inlineNameForms && isName ? [c, ...NAME_FORM_COLUMNS.map((n) => ({ ...n, name: `${c.name}_${n.name}` }))] : [c];
  });
  const cols = columns.map((c) => `  "${c.name}" ${c.sql}`);
  return `CREATE TABLE ${spec.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (batch_id, src_row)\n);`;
}

export const ALL_FEED_SPECS = Object.values(FEED_SPECS);
