import { ident, lit, queryRows, type Db } from '../../pipeline/store/index.js';
import { InputError, LIMITS } from '../limits.js';
import { NUMERIC_SEP, type ReadOptions, type ReadResult } from './types.js';

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** Parquet: columns cast to text; a numeric column type flags every cell of that column. */
export async function readParquet(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const limits = opts.limits ?? LIMITS;
  const cols = await queryRows<{ column_name: string; column_type: string }>(
    db,
    `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${lit(path)}))`,
  );
  if (cols.length > limits.maxColumns) throw new InputError(`Parquet 文件有 ${cols.length} 列, 超过 ${limits.maxColumns} 列的上限 (too many columns)`);
  const headers = cols.map((c) => c.column_name);
  const numeric = cols.filter((c) => NUMERIC_TYPE.test(c.column_type)).map((c) => c.column_name);
  await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
  await db.run(
    `CREATE TEMP TABLE ${ident(table)} AS SELECT (file_row_number + 1)::INTEGER AS src_row, (file_row_number + 1)::INTEGER AS src_line,
       ${numeric.length ? lit(numeric.join(NUMERIC_SEP)) : 'NULL::VARCHAR'} AS numeric_cols,
       ${headers.map((h) => `CAST(${ident(h)} AS VARCHAR) AS ${ident(h)}`).join(', ')}
     FROM read_parquet(${lit(path)}, file_row_number = true) ORDER BY src_row`,
  );
  const [{ n }] = (await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${ident(table)}`)) as [{ n: number }];
  return { format: 'parquet', encoding: null, headers, rowsRead: n, rejected: [], dateBase1904: false };
}
