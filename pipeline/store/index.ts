export { openDb, closeDb, checkpoint, reclaimWork, workMemory, assertStoreFree, connectAlso, exclusive, queryRows, lit, quoteIdent, storeTable, storeCatalog, storeKeys, useWork, memoryLimit, WORK_DATABASE, StoreBusyError, type Db } from './db.js';
export { SEALED_TABLES, sealedTable, sealedInsertSql, sealValueSql, sealExpr, openExpr, persistWorkTable, dropOpenView, insertPlainRowsSql, openNameFormsOnce, type SealedTable } from './sealed.js';
export { sql, ident, textList, exec, readAll, queryAll, queryOne, transaction, Sql, type SqlValue } from './sql.js';
export { migrate, MIGRATIONS } from './migrations.js';
export { rotateStoreKey, type RotationResult } from './rotate.js';
// recoverInterrupted and INTERRUPTED_REASON are exported where they are defined, below.
export { refreshNameForms, insertNameFormsSql, lacksNameFormsSql } from './name-forms.js';
export { QUARANTINE_COLUMNS } from './schema.js';

import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { openDb, queryRows, type Db, type OpenOptions } from './db.js';
import { migrate } from './migrations.js';
import { refreshNameForms } from './name-forms.js';

/** Opens the store at `path` and brings its schema and its names' forms up to date. */
export async function openStore(path: string, opts: OpenOptions = {}): Promise<Db> {
  const db = await openDb(path, opts);
  removeStaleSpill(path);
  await migrate(db);
  await recoverInterrupted(db, path);
  await refreshNameForms(db);
  return db;
}

/** The reason stored for a batch whose process ended while it was loading. */
export const INTERRUPTED_REASON =
  '载入中断 (interrupted): 处理此文件的进程异常退出 (如内存耗尽或被终止), 未载入任何行; 文件内容不变时不再重试, 修正文件后重新放入, 或用 bidui ingest --retry-failed 重试';

const recovered = new Set<string>();
const spillChecked = new Set<string>();

/**
 * DuckDB spills to `<store>.tmp` under memory pressure, in clear (docs/protection.md): what a process
 * that ended left there goes when the store is first opened by this one (which now holds its lock).
 */
function removeStaleSpill(path: string): void {
  if (path === ':memory:') return;
  const key = resolve(path);
  if (spillChecked.has(key)) return;
  spillChecked.add(key);
  rmSync(`${key}.tmp`, { recursive: true, force: true });
}

/**
 * A batch still `loading` when a process first opens the store was being loaded by a process that
 * ended (DuckDB lets one process at a time write a file, and its transaction was rolled back): it is
 * failed with INTERRUPTED_REASON, so that `bidui status` shows it and the same content is not tried
 * again until it changes (a file that crashed the process would crash every later run).
 */
export async function recoverInterrupted(db: Db, path: string): Promise<number> {
  if (path === ':memory:') return 0;
  const key = resolve(path);
  if (recovered.has(key)) return 0;
  recovered.add(key);
  const rows = await queryRows<{ batch_id: number }>(
    db,
    `UPDATE ingest_batches SET status = 'failed', error = '${INTERRUPTED_REASON}', finished_at = now() WHERE status = 'loading' RETURNING batch_id`,
  );
  return rows.length;
}
