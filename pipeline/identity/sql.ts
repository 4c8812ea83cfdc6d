// The SQL side of the identity module. Most ID numbers in a feed are clean 18-character values;
// normalising them in DuckDB's vectorised SQL is ~50x cheaper than a JS call per row. The SQL
// fast path decides exactly what normalizeId decides for such values (tests/identity/sql.test.ts
// checks the two agree); everything else goes to the bidui_id UDF.
import { LIST, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { allRegions } from './id.js';
import { registerIdentityFunctions } from './udf.js';

export const REGION_TABLE = 'bidui_regions';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

const installed = new WeakMap<DuckDBConnection, Promise<void>>();

/**
 * Registers the identity UDFs and loads the region-code table the SQL fast path joins, once per
 * connection (both are the connection's own: functions and a temp table).
 */
export function installIdentity(conn: DuckDBConnection): Promise<void> {
  let done = installed.get(conn);
  if (!done) {
    installed.set(conn, (done = install(conn)));
    done.catch(() => installed.delete(conn)); // a failed install is tried again by the next call
  }
  return done;
}

async function install(conn: DuckDBConnection): Promise<void> {
  registerIdentityFunctions(conn);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${REGION_TABLE} (code VARCHAR PRIMARY KEY, in_use BOOLEAN, current VARCHAR[])`);
  const appender = await conn.createAppender(REGION_TABLE, 'main', 'temp');
  for (const r of allRegions()) {
    appender.appendVarchar(r.code);
    appender.appendBoolean(r.inUse);
    appender.appendList(r.current, LIST(VARCHAR));
    appender.endRow();
  }
  appender.closeSync();
}

/**
 * The GB 11643 check character of a 17-digit BIGINT (an SQL expression). Digits by integer
 * division: half the cost of 17 substrings of the text.
 */
function checkDigitSql(n: string): string {
  const sum = WEIGHTS.map((w, i) => `((${n} // ${10n ** BigInt(16 - i)}) % 10) * ${w}`).join(' + ');
  return `(['1','0','X','9','8','7','6','5','4','3','2'])[((${sum}) % 11) + 1]`;
}

/**
 * The per-row parts of an ID that the fast path uses several times, computed once in two staging
 * projections: `value` selects `<raw> AS <name>$s` (trimmed) and its first 17 characters as a
 * BIGINT, `derived` selects the check character and birth date from those columns of the
 * projection below. (Written as one projection, DuckDB would compute the value again for each use.)
 */
export function idPartsSql(raw: string, name: string): { value: string[]; derived: string[] } {
  const q = (part: string) => `"${name}$${part}"`;
  const s = q('s');
  return {
    value: [`trim(${raw}) AS ${s}`, `TRY_CAST(substr(trim(${raw}), 1, 17) AS BIGINT) AS ${q('n')}`],
    derived: [
      `CASE WHEN regexp_full_match(${s}, '[0-9]{17}[0-9X]') THEN ${checkDigitSql(q('n'))} END AS ${q('check')}`,
      `try_strptime(substr(${s}, 7, 8), '%Y%m%d')::DATE AS ${q('birth')}`,
    ],
  };
}

/** The parts of a normalised ID: the fields of bidui_id's STRUCT, and the stored columns' suffixes. */
export const ID_PARTS = ['id', 'valid', 'damaged', 'issues', 'birth_date', 'gender', 'region', 'region_current'] as const;
export type IdPart = (typeof ID_PARTS)[number];

/**
 * Select items deciding one ID field, for the projection above idPartsSql's: `<name>$fast` (the
 * SQL fast path decides), `<name>$slow` (bidui_id's STRUCT, computed only where it does not) and
 * `<name>$<part>` for each of ID_PARTS as the fast path computes it. idPartSql picks between them.
 * `parts` is the alias carrying idPartsSql's columns; `region` the alias of a LEFT JOIN of
 * REGION_TABLE on `substr(<name>$s, 1, 6)`. (Separate columns, not a STRUCT per row: building and
 * unpacking the STRUCT cost more than deciding the ID.)
 */
export function idSql(parts: string, name: string, raw: string, numeric: string, region: string): string[] {
  const col = (part: string) => `${parts}."${name}$${part}"`;
  const out = (part: string) => `"${name}$${part}"`;
  const s = col('s');
  const checkOk = `(${col('check')} = substr(${s}, 18, 1))`;
  const birthOk = `coalesce(${col('birth')} BETWEEN DATE '1900-01-01' AND current_date, false)`;
  // Clean: 17 digits and a digit or upper-case X, no numeric cell, not a spreadsheet zero tail.
  const clean = `(${col('check')} IS NOT NULL AND NOT coalesce(${numeric}, false) AND NOT (suffix(${s}, '000') AND NOT ${checkOk}))`;
  const fast: Record<IdPart, string> = {
    id: s,
    valid: `${checkOk} AND ${birthOk} AND ${region}.code IS NOT NULL`,
    damaged: 'false',
    issues: `CASE WHEN ${checkOk} AND ${birthOk} AND ${region}.in_use THEN []::VARCHAR[] ELSE list_filter([
        CASE WHEN NOT ${checkOk} THEN 'BAD_CHECK_DIGIT' END,
        CASE WHEN NOT ${birthOk} THEN 'BAD_BIRTH_DATE' END,
        CASE WHEN ${region}.code IS NULL THEN 'UNKNOWN_REGION' END,
        CASE WHEN NOT ${region}.in_use THEN 'RETIRED_REGION' END], x -> x IS NOT NULL) END`,
    birth_date: `CASE WHEN ${birthOk} THEN ${col('birth')} END`,
    // An ID ending in 000 that passes its check is as likely a spreadsheet's cut (its sex digit zeroed) as a real one (id.ts).
    gender: `CASE WHEN suffix(${s}, '000') THEN NULL WHEN (ascii(substr(${s}, 17, 1)) - 48) % 2 = 1 THEN 'M' ELSE 'F' END`,
    region: `substr(${s}, 1, 6)`,
    region_current: `coalesce(${region}.current, []::VARCHAR[])`,
  };
  return [
    `${raw} IS NOT NULL AND ${clean} AS ${out('fast')}`,
    `CASE WHEN ${raw} IS NOT NULL AND NOT ${clean} THEN bidui_id(${raw}, ${numeric}) END AS ${out('slow')}`,
    ...ID_PARTS.map((p) => `${fast[p]} AS ${out(p)}`),
  ];
}

/** One part of an ID field decided by idSql's items in the projection `row`: NULL when the cell is empty. */
export function idPartSql(row: string, name: string, part: IdPart): string {
  return `CASE WHEN ${row}."${name}$fast" THEN ${row}."${name}$${part}" ELSE ${row}."${name}$slow".${part} END`;
}

/**
 * The ID a disability certificate number (残疾人证号: the 18-character ID, then type and level digits)
 * carries, as an SQL expression over `cert` (a VARCHAR): its first 18 characters (spaces removed, upper-case
 * x) when they form a valid ID, else, for a 19-digit number (the ID's check character dropped), its first 17
 * digits with their check character when that is valid. NULL otherwise. Valid: check character right, a real
 * birth date in [1900-01-01, today], and `regionKnown(id)` (an SQL condition over the candidate ID
 * expression: its address code is known and maps to a code in use today), which the caller writes with the
 * functions its connection has (bidui_id at ingest, bidui_region_current in linkage).
 */
export function certificateIdSql(cert: string, regionKnown: (id: string) => string): string {
  const c = `upper(regexp_replace(${cert}, '\\s', '', 'g'))`;
  const as18 = `CASE WHEN regexp_full_match(substr(${c}, 1, 18), '[0-9]{17}[0-9X]') THEN substr(${c}, 1, 18) END`;
  const from17 = `CASE WHEN regexp_full_match(${c}, '[0-9]{19}') THEN substr(${c}, 1, 17) || ${checkDigitSql(`TRY_CAST(substr(${c}, 1, 17) AS BIGINT)`)} END`;
  const valid = (x: string) =>
    `${checkDigitSql(`TRY_CAST(substr(${x}, 1, 17) AS BIGINT)`)} = substr(${x}, 18, 1)
      AND coalesce(try_strptime(substr(${x}, 7, 8), '%Y%m%d')::DATE BETWEEN DATE '1900-01-01' AND current_date, false)
      AND ${regionKnown(x)}`;
  return `list_filter([${as18}, ${from17}], cid -> cid IS NOT NULL AND ${valid('cid')})[1]`;
}
