// Key rotation (docs/protection.md): every sealed value of the store is opened with the current key
// and sealed again under the next one in one transaction, then the store is written afresh into a
// new file, so that the old ciphertext does not stay behind in the free blocks of the old one.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import { openMany, sealMany, type SealKeys } from '../seal/index.js';
import { checkpoint, closeDb, queryRows, quoteIdent, storeCatalog, storeKeys } from './db.js';
import { openStore } from './index.js';
import { SEALED_TABLES } from './sealed.js';

export interface RotationResult {
  from: string;
  to: string;
  tables: number;
  rows: number;
}

/** Reseals the store at `path` (opened with the current key) under `next`. Nobody else may have it open. */
export async function rotateStoreKey(path: string, next: SealKeys): Promise<RotationResult> {
  const full = resolve(path);
  const db = await openStore(full, { detached: true });
  const current = storeKeys(db);
  if (current.id === next.id) throw new Error(`新密钥与当前密钥相同（密钥编号 ${next.id}）`);
  db.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'bidui_reseal',
      parameterTypes: [VARCHAR],
      returnType: VARCHAR,
      specialHandling: true,
      mainFunction: (_info, input, output) => {
        const column = input.getColumnVector(0);
        const values: (string | null)[] = [];
        for (let i = 0; i < input.rowCount; i++) values.push(column.getItem(i) as string | null);
        sealMany(next, openMany(current, values)).forEach((v, i) => output.setItem(i, v));
        output.flush();
      },
    }),
  );
  const catalog = storeCatalog(db);
  const stored = new Set(
    (await queryRows<{ t: string }>(db, `SELECT table_name AS t FROM duckdb_tables() WHERE database_name = '${catalog.replaceAll("'", "''")}'`)).map((r) => r.t),
  );
  let tables = 0;
  let rows = 0;
  await db.run('BEGIN TRANSACTION');
  try {
    for (const t of SEALED_TABLES.filter((x) => stored.has(x.table))) {
      const set = t.columns.map((c) => `${quoteIdent(c.name)} = bidui_reseal(${quoteIdent(c.name)})`).join(', ');
      const table = `${quoteIdent(catalog)}.main.${quoteIdent(t.table)}`;
      await db.run(`UPDATE ${table} SET ${set}`);
      rows += (await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n;
      tables++;
    }
    await db.run(`UPDATE ${quoteIdent(catalog)}.main.store_key SET key_id = '${next.id}', created_at = now()`);
    await db.run('COMMIT');
  } catch (err) {
    await db.run('ROLLBACK').catch(() => undefined);
    closeDb(db);
    throw err;
  }
  await checkpoint(db);
  const fresh = `${full}.rotating`;
  for (const f of [fresh, `${fresh}.wal`]) rmSync(f, { force: true });
  await db.run(`ATTACH '${fresh.replaceAll("'", "''")}' AS bidui_rotated`);
  await db.run(`COPY FROM DATABASE ${quoteIdent(catalog)} TO bidui_rotated`);
  await db.run('DETACH bidui_rotated');
  closeDb(db);
  renameSync(fresh, full);
  if (existsSync(`${full}.wal`)) rmSync(`${full}.wal`);
  return { from: current.id, to: next.id, tables, rows };
}
