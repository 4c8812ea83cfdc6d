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
