import { FEED_SPECS, type FeedSpec, type FieldSpec } from '../feeds.js';
import { NAME_FORM_PARTS } from '../identity/udf.js';

/** One stored column and its SQL type. */
export interface Column {
  name: string;
  sql: string;
}

/**
 * The forms of a name (pipeline/identity nameForms), kept once per distinct name in the
 * name_forms table rather than on every feed row: names repeat across rows, files and feeds,
 * and writing seven more columns per name field was half the cost of storing a batch.
 */
export const NAME_FORM_COLUMNS: Column[] = NAME_FORM_PARTS.map(([name, list]) => ({ name, sql: list ? 'VARCHAR[]' : 'VARCHAR' }));

/** The stored columns that one field of a feed becomes. */
export function fieldColumns(f: FieldSpec): Column[] {
  const k = f.key;
  const col = (suffix: string, sql: string): Column => ({ name: k + suffix, sql });
  switch (f.kind.type) {
    case 'text':
    case 'month':
      return [col('', 'VARCHAR')];
    case 'date':
      return [col('', 'DATE')];
    case 'region':
      return [col('', 'VARCHAR'), col('_county', 'VARCHAR')];
    case 'code':
      return f.kind.subtype ? [col('', 'VARCHAR'), col('_subtype', 'VARCHAR')] : [col('', 'VARCHAR')];
    case 'name':
      return [col('', 'VARCHAR')];
    case 'id':
      return [
        col('', 'VARCHAR'),
        col('_valid', 'BOOLEAN'),
        col('_damaged', 'BOOLEAN'),
        col('_issues', 'VARCHAR[]'),
        col('_birth_date', 'DATE'),
        col('_gender', 'VARCHAR'),
        col('_region', 'VARCHAR'),
        col('_region_current', 'VARCHAR[]'),
      ];
  }
}

const BASE_COLUMNS: Column[] = [
  { name: 'batch_id', sql: 'INTEGER NOT NULL' },
  /** Ordinal of the record among the file's data records, 1-based. */
  { name: 'src_row', sql: 'INTEGER NOT NULL' },
  /** Where a person finds it: the spreadsheet row / CSV or JSONL line. */
  { name: 'src_line', sql: 'INTEGER NOT NULL' },
  /** The row exactly as read, every column including unknown ones, as JSON. */
  { name: 'raw', sql: 'JSON NOT NULL' },
];

export function feedColumns(spec: FeedSpec): Column[] {
  return [...BASE_COLUMNS, ...spec.fields.flatMap(fieldColumns)];
}

/**
 * A feed table as migration 1 creates it, with each name's forms inline as `<name>_<form>`
 * columns; migration 4 moves those to name_forms, which leaves the columns of feedColumns.
 */
export function feedTableDdlV1(spec: FeedSpec): string {
  const columns = feedColumns(spec).flatMap((c) => {
    const isName = spec.fields.some((f) => f.key === c.name && f.kind.type === 'name');
    return isName ? [c, ...NAME_FORM_COLUMNS.map((n) => ({ ...n, name: `${c.name}_${n.name}` }))] : [c];
  });
  const cols = columns.map((c) => `  "${c.name}" ${c.sql}`);
  return `CREATE TABLE ${spec.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (batch_id, src_row)\n);`;
}

/** A feed table in the current layout (the names' forms are in name_forms). */
export function feedTableDdl(spec: FeedSpec): string {
  const cols = feedColumns(spec).map((c) => `  "${c.name}" ${c.sql}`);
  return `CREATE TABLE ${spec.table} (\n${cols.join(',\n')},\n  PRIMARY KEY (batch_id, src_row)\n);`;
}

export const ALL_FEED_SPECS = Object.values(FEED_SPECS);

/** The feeds whose tables migration 1 created (the others have a migration of their own). */
export const V1_FEED_SPECS = ALL_FEED_SPECS.filter((s) => ['registry', 'death', 'incarceration', 'disability', 'enrollment'].includes(s.feed));

/** The columns of the quarantine table, in order (migration 1). */
export const QUARANTINE_COLUMNS = ['batch_id', 'src_row', 'src_line', 'field', 'reason', 'detail', 'raw'] as const;
