// DuckDB scalar UDFs for comparing Chinese identity fields per character (DuckDB's built-ins count UTF-8 bytes).
import { DuckDBScalarFunction, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { regionCurrent } from '../pipeline/identity/index.js';
import { charDamerau } from '../pipeline/identity/index.js';

type IdRelation = 'exact' | 'one_substitution' | 'adjacent_transposition' | 'same_birth_region' | 'other';

/**
 * Relation between two 18-character resident ID numbers (compared case-insensitively on the X check digit):
 * exact; one_substitution (one position differs); adjacent_transposition (two neighbouring characters swapped);
 * same_birth_region (same 6-digit address code and 8-digit birth date, different sequence/check); else other.
 * Null when either is missing. IDs that are not 18 characters can only be 'exact' or 'other'.
 */
export function idRelation(a: string | null | undefined, b: string | null | undefined): IdRelation | null {
  if (a == null || b == null) return null;
  const x = a.trim().toUpperCase();
  const y = b.trim().toUpperCase();
  if (x === '' || y === '') return null;
  if (x === y) return 'exact';
  if (x.length !== 18 || y.length !== 18) return 'other';
  const diff: number[] = [];
  for (let i = 0; i < 18; i++) if (x[i] !== y[i]) diff.push(i);
  if (diff.length === 1) return 'one_substitution';
  if (diff.length === 2 && diff[1] === diff[0]! + 1 && x[diff[0]!] === y[diff[1]!] && x[diff[1]!] === y[diff[0]!]) return 'adjacent_transposition';
  if (x.slice(0, 14) === y.slice(0, 14)) return 'same_birth_region';
  return 'other';
}

// GB 11643's weights of the first 17 digits, and each weight's inverse modulo 11.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_WEIGHT_INVERSES = ID_WEIGHTS.map((w) => [...Array(11).keys()].find((x) => (w * x) % 11 === 1)!);
const CHECK_CHARS = `'10X98765432'`;

/**
 * bidui_id_one_edits(id) -> VARCHAR[]: the IDs one edit away from `id` whose check digit is right, for an
 * 18-character ID whose check digit is wrong; `[id]` when it is right; NULL when the text is not an ID's shape.
 * One substituted digit or one adjacent transposition always breaks the check digit (every weight and every
 * difference of neighbouring weights is prime to 11), so the ID a one-edit typo came from is in the list, and
 * the list is short: one substitution per position at most (the digit that restores the sum modulo 11), the
 * right check character, and the transpositions that restore the sum (about 20 forms, not 170). A blocking
 * rule keyed on it pairs a bad ID with the valid IDs one edit away by an exact join.
 */
export const ID_ONE_EDITS_MACRO = `CREATE OR REPLACE TEMP MACRO bidui_id_one_edits(id) AS CASE WHEN regexp_full_match(id, '[0-9]{17}[0-9X]') THEN
  list_transform([list_transform(range(1, 18), i -> ascii(id[i]) - 48)], d ->
    list_transform([struct_pack(s := list_sum(list_transform(range(1, 18), i -> d[i] * [${ID_WEIGHTS}][i]))::INTEGER % 11, t := instr(${CHECK_CHARS}, id[18]) - 1)], c ->
      CASE WHEN c.s = c.t THEN [id] ELSE list_concat(
        list_filter(list_transform(range(1, 18), i -> list_transform([(d[i] + (c.t - c.s + 11) * [${ID_WEIGHT_INVERSES}][i]) % 11], x -> CASE WHEN x <= 9 THEN left(id, i - 1) || x || substr(id, i + 1) END)[1]), v -> v IS NOT NULL),
        [left(id, 17) || substr(${CHECK_CHARS}, c.s + 1, 1)],
        list_filter(list_transform(range(1, 17), i -> CASE WHEN d[i] <> d[i + 1] AND ((c.s + ([${ID_WEIGHTS}][i] - [${ID_WEIGHTS}][i + 1]) * (d[i + 1] - d[i])) % 11 + 11) % 11 = c.t THEN left(id, i - 1) || id[i + 1] || id[i] || substr(id, i + 2) END), v -> v IS NOT NULL),
        list_filter([CASE WHEN id[18] <> 'X' AND id[18] <> id[17] AND substr(${CHECK_CHARS}, ((c.s + 2 * (ascii(id[18]) - 48 - d[17])) % 11 + 11) % 11 + 1, 1) = id[17] THEN left(id, 16) || id[18] || id[17] END], v -> v IS NOT NULL)
      ) END)[1])[1]
END`;

/** The in-use county code an address code (6+ digits) maps to today: itself, its first successor, or null when unknown. */
function currentCounty(code: string | null | undefined): string | null {
  if (code == null) return null;
  const c = code.trim().slice(0, 6);
  if (!/^\d{6}$/.test(c)) return null;
  return regionCurrent(c)[0] ?? null;
}

/**
 * Registers bidui_char_damerau(VARCHAR, VARCHAR) -> INTEGER, bidui_id_relation(VARCHAR, VARCHAR) -> VARCHAR and
 * bidui_region_current(VARCHAR) -> VARCHAR on a connection.
 */
export function registerMatchFunctions(conn: DuckDBConnection): void {
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'bidui_region_current',
      parameterTypes: [VARCHAR],
      returnType: VARCHAR,
      specialHandling: true,
      mainFunction: (_info, input, output) => {
        const va = input.getColumnVector(0);
        for (let i = 0; i < input.rowCount; i++) output.setItem(i, currentCounty(va.getItem(i) as string | null));
        output.flush();
      },
    }),
  );
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'bidui_char_damerau',
      parameterTypes: [VARCHAR, VARCHAR],
      returnType: INTEGER,
      specialHandling: true,
      mainFunction: (_info, input, output) => {
        const va = input.getColumnVector(0);
        const vb = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) {
          const a = va.getItem(i) as string | null;
          const b = vb.getItem(i) as string | null;
          output.setItem(i, a == null || b == null ? null : charDamerau(a, b));
        }
        output.flush();
      },
    }),
  );
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'bidui_id_relation',
      parameterTypes: [VARCHAR, VARCHAR],
      returnType: VARCHAR,
      specialHandling: true,
      mainFunction: (_info, input, output) => {
        const va = input.getColumnVector(0);
        const vb = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) output.setItem(i, idRelation(va.getItem(i) as string | null, vb.getItem(i) as string | null));
        output.flush();
      },
    }),
  );
}
