import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { Bool, DateDay, Float64, Int32, Int64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { flagsWithStatus, flagVisibleSql, visibleEvidenceSql, visibleReasonSql } from '../flags/index.js';
import { exec, queryOne, readAll, sql, type Db, type Sql } from '../pipeline/store/index.js';
import { z } from 'zod';
import { auditFile, countyPart, prepareExport, type ExportOptions, type ExportResult, type ExportedFile } from './common.js';
import { safeFilePart } from './files.js';

export const FLAGS_EXPORT_VERSION = 'flags-v1';

/**
 * Every column of `flags` (evidence and params as JSON text) with the latest decision and the
 * status. Without the need-to-know grant: no HIV flag, a restricted reason reads RESTRICTED and
 * an incarceration evidence item is {"feed":"RESTRICTED"} (flags/privacy.ts).
 */
export function analystFlagsSql(runId: string, county: string | null, needToKnow = false): Sql {
  return sql`SELECT * EXCLUDE (evidence, params) REPLACE (${visibleReasonSql(needToKnow)} AS reason),
         ${visibleEvidenceSql(needToKnow)} AS evidence, CAST(params AS VARCHAR) AS params
    FROM (${flagsWithStatus(runId)})
   WHERE (${county}::VARCHAR IS NULL OR starts_with(county_code, ${county})) AND ${flagVisibleSql(needToKnow)}
   ORDER BY priority, county_code NULLS LAST, flag_id`;
}

/** The Arrow type of a DuckDB column and how its JS value (getColumnsObjectJS) becomes an Arrow value. */
function arrowColumn(type: DuckDBType): { type: DataType; convert: (v: unknown) => unknown } {
  const same = (v: unknown) => v;
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return { type: new Utf8(), convert: same };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
      return { type: new Int32(), convert: (v) => (v == null ? null : Number(v)) };
    case DuckDBTypeId.BIGINT:
      return { type: new Int64(), convert: (v) => (v == null ? null : BigInt(v as bigint)) };
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return { type: new Float64(), convert: (v) => (v == null ? null : Number(v)) };
    case DuckDBTypeId.BOOLEAN:
      return { type: new Bool(), convert: same };
    case DuckDBTypeId.DATE:
      return { type: new DateDay(), convert: (v) => (v instanceof Date ? v : null) };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: new TimestampMillisecond(), convert: (v) => (v instanceof Date ? v.getTime() : null) };
    default:
      // Lists, structs and anything else: JSON text, so that every reader can open the file.
      return { type: new Utf8(), convert: (v) => (v == null ? null : typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))) };
  }
}

/**
 * Builds an Arrow table from a DuckDB query. The Node client has no Arrow output
 * (docs/spec/STACK-NOTES.md): the columns come from getColumnsObjectJS() and each gets the Arrow
 * type of its DuckDB type (type inference would turn an all-null text column or an INTEGER into
 * Float64, and a DATE into a timestamp).
 */
export async function queryArrow(db: Db, query: Sql): Promise<Table> {
  const reader = await readAll(db, query);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const data = reader.getColumnsObjectJS() as Record<string, unknown[]>;
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    const col = arrowColumn(types[i]!);
    vectors[name] = vectorFromArray((data[name] ?? []).map(col.convert), col.type);
  });
  return new Table(vectors);
}

/** All flags of a run for analysts: Parquet (DuckDB COPY) and Arrow IPC file (apache-arrow). */
export async function exportFlags(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  const query = analystFlagsSql(ctx.run.runId, ctx.county, ctx.needToKnow);
  const base = join(ctx.outDir, `比对标记_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}`);
  const { n } = (await queryOne(db, z.object({ n: z.int() }), sql`SELECT count(*)::INTEGER AS n FROM (${query})`))!;

  const parquet: ExportedFile = { path: `${base}.parquet`, format: 'parquet', rows: n, purpose: 'analysis' };
  await exec(db, sql`COPY (${query}) TO ${parquet.path} (FORMAT parquet)`);

  const table = await queryArrow(db, query);
  const arrow: ExportedFile = { path: `${base}.arrow`, format: 'arrow', rows: table.numRows, purpose: 'analysis' };
  writeFileSync(arrow.path, tableToIPC(table, 'file'));

  for (const f of [parquet, arrow]) await auditFile(db, ctx, 'flags', f, FLAGS_EXPORT_VERSION);
  return { kind: 'flags', runId: ctx.run.runId, county: ctx.county, templateVersion: FLAGS_EXPORT_VERSION, files: [parquet, arrow] };
}
