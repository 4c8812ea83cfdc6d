import { ident, lit, queryRows, type Db } from '../../pipeline/store/index.js';
import { InputError, LIMITS } from '../limits.js';
import { NUMERIC_SEP, type ReadOptions, type ReadResult } from './types.js';

const NUMERIC_JSON_TYPES = `('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE')`;

/** JSON Lines: one object a line; keys are headers; a number where text belongs is flagged. */
export async function readJsonl(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const limits = opts.limits ?? LIMITS;
  const tag = table.replace(/\W/g, '_');
  await db.run(`DROP TABLE IF EXISTS ${tag}_scan`);
  await db.run(
    `CREATE TEMP TABLE ${tag}_scan AS SELECT json FROM read_json_objects(${lit(path)}, format = 'newline_delimited', ignore_errors = true, maximum_object_size = ${2 * limits.maxRowBytes})`,
  );
  // Insertion order is file order, so rowid + 1 is the line number.
  await db.run(`CREATE OR REPLACE TEMP TABLE ${tag}_scan AS SELECT (rowid + 1)::INTEGER AS line, json FROM ${tag}_scan`);
  try {
    const keys = (
      await queryRows<{ k: string }>(
        db,
        `SELECT k FROM (SELECT unnest(json_keys(json)) AS k, line FROM ${tag}_scan WHERE json_type(json) = 'OBJECT')
         GROUP BY k ORDER BY min(line), k`,
      )
    ).map((r) => r.k);
    if (keys.length > limits.maxColumns) throw new InputError(`JSON 对象共有 ${keys.length} 个不同的键, 超过 ${limits.maxColumns} 列的上限 (too many columns)`);
    const path_ = (k: string) => lit('$."' + k.replaceAll('\\', '\\\\').replaceAll('"', '\\"') + '"');
    const valueCols = keys.map((k) => `json_extract_string(json, ${path_(k)}) AS ${ident(k)}`);
    const numericFlags = keys.map((k) => `CASE WHEN json_type(json, ${path_(k)}) IN ${NUMERIC_JSON_TYPES} THEN ${lit(k)} END`);
    await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
    await db.run(
      `CREATE TEMP TABLE ${ident(table)} AS SELECT line AS src_row, line AS src_line,
         nullif(concat_ws(${lit(NUMERIC_SEP)}, ${numericFlags.join(', ') || 'NULL'}), '') AS numeric_cols
         ${valueCols.length ? ', ' + valueCols.join(', ') : ''}
       FROM ${tag}_scan WHERE json_type(json) = 'OBJECT' ORDER BY line`,
    );
    const bad = await queryRows<{ line: number; raw: string | null }>(
      db,
      `SELECT line, json::VARCHAR AS raw FROM ${tag}_scan WHERE json IS NULL OR json_type(json) <> 'OBJECT' ORDER BY line`,
    );
    const [{ n }] = (await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${tag}_scan`)) as [{ n: number }];
    return {
      format: 'jsonl',
      encoding: 'utf-8',
      headers: keys,
      rowsRead: n,
      rejected: bad.map((b) => ({
        srcRow: b.line,
        srcLine: b.line,
        reason: 'UNREADABLE_LINE',
        detail: b.raw === null ? `第 ${b.line} 行不是有效的 JSON, 或超过单行上限 (not valid JSON)` : `第 ${b.line} 行不是 JSON 对象 (not a JSON object)`,
        raw: b.raw === null ? null : b.raw.slice(0, limits.maxFieldChars),
      })),
      dateBase1904: false,
    };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${tag}_scan`);
  }
}
