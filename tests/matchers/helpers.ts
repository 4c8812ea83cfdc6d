import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { openDb, queryRows, type Db } from '../../pipeline/store/db.js';

export async function memDb(): Promise<Db> {
  return openDb(':memory:', { threads: 1 });
}

/** Creates a table from rows of plain values (all VARCHAR unless a number). */
export async function makeTable(db: Db, name: string, rows: Record<string, string | number | null>[]): Promise<void> {
  const cols = Object.keys(rows[0]!);
  const v = (x: string | number | null) => (x == null ? 'NULL' : typeof x === 'number' ? String(x) : `'${x.replaceAll("'", "''")}'`);
  const types = cols.map((c) => (rows.some((r) => typeof r[c] === 'number') ? 'INTEGER' : 'VARCHAR'));
  await db.run(`CREATE OR REPLACE TABLE "${name}" (${cols.map((c, i) => `"${c}" ${types[i]}`).join(', ')})`);
  await db.run(`INSERT INTO "${name}" VALUES ${rows.map((r) => `(${cols.map((c) => v(r[c] ?? null)).join(', ')})`).join(', ')}`);
}

export { queryRows };

/** Exact / else comparison with fixed m, u. */
export function exactComparison(name: string, column: string, m = 0.9, u = 0.01, tf = false) {
  return {
    name,
    columns: [column],
    levels: [
      { label: 'null', labelZh: '缺失', sql: `l.${column} IS NULL OR r.${column} IS NULL`, isNull: true },
      { label: 'exact', labelZh: '完全一致', sql: `l.${column} = r.${column}`, m, u, ...(tf ? { tfAdjustColumn: column } : {}) },
      { label: 'else', labelZh: '不同', sql: 'ELSE', m: 1 - m, u: 1 - u },
    ],
  };
}

export const em = { maxIterations: 20, tolerance: 1e-4, trainingBlockingRules: [] as string[] };

/** A debug-level logger whose lines (parsed) collect in `lines`. */
export function collectingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}
