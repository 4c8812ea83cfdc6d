// bidui_seal and bidui_open as DuckDB scalar functions over whole chunks (one SM4 call per chunk).
// A function registered on one connection is the database instance's: every connection sees it.
import { DuckDBScalarFunction, VARCHAR, type DuckDBConnection, type DuckDBDataChunk, type DuckDBVector } from '@duckdb/node-api';
import { openMany, sealMany, type SealKeys } from './cipher.js';

function chunkwise(fn: (values: (string | null)[]) => (string | null)[]) {
  return (_info: unknown, input: DuckDBDataChunk, output: DuckDBVector): void => {
    const column = input.getColumnVector(0);
    const n = input.rowCount;
    const values: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) values[i] = column.getItem(i) as string | null;
    const out = fn(values);
    for (let i = 0; i < n; i++) output.setItem(i, out[i] ?? null);
    output.flush();
  };
}

/** Registers bidui_seal(VARCHAR) and bidui_open(VARCHAR) (without the tag check: openMany) with `keys` (NULL in, NULL out). */
export function registerSealFunctions(conn: DuckDBConnection, keys: SealKeys): void {
  for (const [name, fn] of [
    ['bidui_seal', (v: (string | null)[]) => sealMany(keys, v)],
    ['bidui_open', (v: (string | null)[]) => openMany(keys, v, { verify: false })],
  ] as const) {
    conn.registerScalarFunction(
      DuckDBScalarFunction.create({ name, parameterTypes: [VARCHAR], returnType: VARCHAR, specialHandling: true, mainFunction: chunkwise(fn) }),
    );
  }
}
