import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createKeyFile, defaultKeyFile, KeyError, loadKey, registerSealFunctions, sealKeys, type SealKeys } from '../seal/index.js';
import { log } from '../log.js';

export type Db = DuckDBConnection;

/** The store file is open in another process (DuckDB lets one process at a time write a file). */
export class StoreBusyError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number | null,
  ) {
    super(
      `数据库 ${path} 正被另一个进程使用${pid ? `（进程号 ${pid}）` : ''}，例如正在运行的 bidui serve 或 bidui worker。` +
        `请先停止该进程，或用 --db 指定另一个数据库文件。`,
    );
    this.name = 'StoreBusyError';
  }
}

/** DuckDB's lock error as a StoreBusyError; anything else as it is. */
function busyOr(err: unknown, path: string): unknown {
  const m = /Could not set lock on file[\s\S]*?PID (\d+)/.exec((err as Error)?.message ?? '');
  return m || /Conflicting lock/.test((err as Error)?.message ?? '') ? new StoreBusyError(path, m ? Number(m[1]) : null) : err;
}

/**
 * Throws StoreBusyError when another process holds the store file at `path` (checked by opening
 * it, then closing it again). A missing file is not busy.
 */
export async function assertStoreFree(path: string): Promise<void> {
  const full = resolve(path);
  if (!existsSync(full)) return;
  try {
    const probe = await DuckDBInstance.create(full);
    probe.closeSync();
  } catch (err) {
    throw busyOr(err, full);
  }
}

/**
 * Opens (or reuses, within this process) the DuckDB file at `path` and returns a connection.
 * DuckDB allows one read-write process per file; within a process we reuse one instance.
 *
 * Every connection works in the process's in-memory work database (WORK_DATABASE): a table created
 * without a database name lives there and is gone with the process, so the linkage's and the rules'
 * working tables, which hold names and ID numbers in clear, never reach the store file; the store's
 * own tables are found through the search path. The views that open sealed tables (sealed.ts) live
 * there too, created by migrate.
 */
export async function openDb(path: string, opts: OpenOptions = {}): Promise<Db> {
  const full = path === ':memory:' ? path : resolve(path);
  if (full !== ':memory:') mkdirSync(dirname(full), { recursive: true });
  const settings: Record<string, string> = { memory_limit: memoryLimit() };
  if (opts.threads) settings.threads = String(opts.threads);
  const key = full === ':memory:' ? `:memory:${++memoryDatabases}` : full;
  // A store in memory leaves no file; it seals with the bureau's key when one is set (its exports can then be opened), else a key of its own.
  const keys = full !== ':memory:' ? keysForFile(full) : process.env.BIDUI_KEY || process.env.BIDUI_KEY_FILE ? loadKey(full).keys : sealKeys(randomBytes(32));
  const instance =
    full === ':memory:' || opts.detached
      ? await DuckDBInstance.create(full, settings).catch((err: unknown) => {
          throw busyOr(err, full);
        })
      : await DuckDBInstance.fromCache(full, settings).catch((err: unknown) => {
          throw busyOr(err, full);
        });
  // fromCache gives a new wrapper of the same database on every call: the file's path names it.
  return connectTo({ instance, key, keys });
}

/**
 * The key of the store file `full`: loadKey's, or, for a store that does not exist yet and no key
 * anywhere, a new key file beside it (docs/protection.md: move it off the machine for real use).
 */
function keysForFile(full: string): SealKeys {
  try {
    return loadKey(full).keys;
  } catch (err) {
    if (!(err instanceof KeyError) || existsSync(full) || process.env.BIDUI_KEY || process.env.BIDUI_KEY_FILE) throw err;
    const file = defaultKeyFile(full);
    const created = createKeyFile(file);
    process.stderr.write(`已为新数据库生成数据加密密钥 ${file}（国密 SM4）。请备份此文件并与数据库分开保管：丢失后数据库中的个人信息无法读取。\n`);
    return created.keys;
  }
}

/**
 * DuckDB's memory limit for an instance bidui opens: BIDUI_MEMORY_LIMIT (e.g. "4GB"), else `share` of the
 * machine's memory (the store 40%; a partition step, which may run beside it, 20%). DuckDB's own default (80%)
 * left no room for Node's heap: the work database lives in memory and, at province size, grew past the machine
 * before it spilled (docs/protection.md). Over the limit the store spills to `<store>.tmp` (removed when it opens).
 */
export function memoryLimit(share = 0.4): string {
  return process.env.BIDUI_MEMORY_LIMIT || `${Math.floor((totalmem() * share) / 2 ** 20)}MB`;
}

/** The in-memory database every connection works in (see openDb). */
export const WORK_DATABASE = 'bidui_work';

export interface OpenOptions {
  threads?: number;
  /** An instance of its own, not the process's cached one, that closeDb closes (to hand the file to another process). */
  detached?: boolean;
}

/** Closes a connection of openDb({ detached: true }) and its instance, releasing the file. */
export function closeDb(db: Db): void {
  const { instance } = databaseOf(db, 'closeDb');
  db.closeSync();
  instance.closeSync();
}

/** An open database: its instance, the key its locks are kept under, the key its sealed values open with. */
interface Database {
  instance: DuckDBInstance;
  key: string;
  keys: SealKeys;
  /** The store's catalog name (the file's base name; 'memory' for an in-memory store). */
  catalog?: string;
}

let memoryDatabases = 0;
const databases = new WeakMap<Db, Database>();
async function connectTo(database: Database): Promise<Db> {
  const conn = await database.instance.connect();
  // A function registered on one connection is the instance's; the work database is attached once per instance.
  const [state] = (
    await conn.runAndReadAll(
      `SELECT current_database() AS catalog, (SELECT count(*) FROM duckdb_functions() WHERE function_name = 'bidui_open')::INTEGER AS functions`,
    )
  ).getRowObjectsJson() as [{ catalog: string; functions: number }];
  const catalog = state.catalog === WORK_DATABASE ? database.catalog! : state.catalog;
  if (!state.functions) registerSealFunctions(conn, database.keys);
  await conn.run(`ATTACH IF NOT EXISTS ':memory:' AS ${WORK_DATABASE}`);
  databases.set(conn, { ...database, catalog });
  await useWork(conn);
  return conn;
}

/** Makes the work database the connection's default, with the store's tables on its search path (USE resets the path). */
export async function useWork(db: Db): Promise<void> {
  const catalog = databaseOf(db, 'useWork').catalog!;
  await db.run(`USE ${WORK_DATABASE}`);
  await db.run(`SET search_path = '${WORK_DATABASE}.main,${catalog.replaceAll("'", "''")}.main'`);
}

/** The store's catalog, to name a stored table where a work table of the same name may exist (`"<catalog>".main."<table>"`). */
export function storeTable(db: Db, table: string): string {
  return `${quoteIdent(databaseOf(db, 'storeTable').catalog!)}.main.${quoteIdent(table)}`;
}

/**
 * Writes the store's WAL into its file. A bare CHECKPOINT would mean the connection's default
 * database, which is the in-memory work database (openDb).
 */
export async function checkpoint(db: Db): Promise<void> {
  await db.run(`CHECKPOINT ${quoteIdent(storeCatalog(db))}`);
}

/**
 * Gives back the memory of the work tables dropped, replaced or emptied since the last call. The work database
 * lives in memory and keeps such a table's blocks until it is checkpointed; DuckDB checkpoints it by itself only
 * after large deletes, not after DROP or CREATE OR REPLACE (right after the linkage at medium size: 1,172 MiB
 * held, 306 MiB after a checkpoint). Over the memory limit those blocks would be spilled to disk, not freed.
 * Another connection's open write transaction makes the checkpoint wait for a later call.
 */
export async function reclaimWork(db: Db): Promise<void> {
  await db.run(`CHECKPOINT ${WORK_DATABASE}`).catch((err: unknown) => log.debug({ err: String(err) }, 'work database not checkpointed'));
}

/**
 * What DuckDB holds after a phase, in MiB (a debug figure for the one measuring a large run): the in-memory work
 * tables' blocks in memory and spilled, and the buffer manager's whole use in memory and in temporary files.
 */
export async function workMemory(db: Db): Promise<{ tablesMiB: number; tablesSpilledMiB: number; memoryMiB: number; spilledMiB: number }> {
  const [row] = (await queryRows<Record<'tables' | 'tables_spilled' | 'memory' | 'spilled', string | null>>(
    db,
    `SELECT sum(memory_usage_bytes) FILTER (tag = 'IN_MEMORY_TABLE') AS tables, sum(temporary_storage_bytes) FILTER (tag = 'IN_MEMORY_TABLE') AS tables_spilled,
            sum(memory_usage_bytes) AS memory, sum(temporary_storage_bytes) AS spilled
     FROM duckdb_memory()`,
  )) as [Record<'tables' | 'tables_spilled' | 'memory' | 'spilled', string | null>];
  const mib = (v: string | null) => Math.round(Number(v ?? 0) / 2 ** 20);
  return { tablesMiB: mib(row.tables), tablesSpilledMiB: mib(row.tables_spilled), memoryMiB: mib(row.memory), spilledMiB: mib(row.spilled) };
}

/** The store's catalog name. */
export function storeCatalog(db: Db): string {
  return databaseOf(db, 'storeCatalog').catalog!;
}

/** The key the store's sealed values open with (exports seal the files they leave behind with it). */
export function storeKeys(db: Db): SealKeys {
  return databaseOf(db, 'storeKeys').keys;
}

function databaseOf(db: Db, caller: string): Database {
  const database = databases.get(db);
  if (!database) throw new Error(`${caller}: not a connection opened by openDb`);
  return database;
}

/** Another connection to the database of `db` (a connection of openDb): its own transactions and temp tables. */
export async function connectAlso(db: Db): Promise<Db> {
  return connectTo(databaseOf(db, 'connectAlso'));
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` when no other `fn` under the same `name` runs on the database of `db` (any of its
 * connections, from any openDb of its file) in this process; DuckDB lets one process at a time
 * write a database file.
 */
export function exclusive<T>(db: Db, name: string, fn: () => Promise<T>): Promise<T> {
  const key = `${databaseOf(db, 'exclusive').key}\u0000${name}`;
  const mine = (locks.get(key) ?? Promise.resolve()).then(() => fn());
  const settled = mine.catch(() => undefined);
  locks.set(key, settled);
  // The last holder of a lock removes it, so the map keeps only locks in use.
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return mine;
}

/**
 * Runs a query given as text and returns its rows as JSON-safe objects (bigints become numbers or
 * strings). For SQL with values, use the `sql` template and `queryAll` (sql.ts).
 */
export async function queryRows<T = Record<string, unknown>>(db: Db, text: string): Promise<T[]> {
  const reader = await db.runAndReadAll(text);
  return reader.getRowObjectsJson() as T[];
}

/** Quotes an SQL identifier as text, for SQL built as text (the `sql` template takes sql.ts's `ident`). */
export function quoteIdent(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Quotes an SQL string literal. */
export function lit(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
