import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export type Db = DuckDBConnection;

/**
 * Opens (or reuses, within this process) the DuckDB file at `path` and returns a connection.
 * DuckDB allows one read-write process per file; within a process we reuse one instance.
 */
export async function openDb(path: string, opts: { threads?: number } = {}): Promise<Db> {
  const full = path === ':memory:' ? path : resolve(path);
  if (full !== ':memory:') mkdirSync(dirname(full), { recursive: true });
  const settings: Record<string, string> = {};
  if (opts.threads) settings.threads = String(opts.threads);
  const instance =
    full === ':memory:'
      ? await DuckDBInstance.create(':memory:', settings)
      : await DuckDBInstance.fromCache(full, settings);
  return connectTo(instance);
}

const instances = new WeakMap<Db, DuckDBInstance>();

async function connectTo(instance: DuckDBInstance): Promise<Db> {
  const conn = await instance.connect();
  instances.set(conn, instance);
  return conn;
}

/** Another connection to the database of `db` (a connection of openDb): its own transactions and temp tables. */
export async function connectAlso(db: Db): Promise<Db> {
  const instance = instances.get(db);
  if (!instance) throw new Error('connectAlso: not a connection opened by openDb');
  return connectTo(instance);
}

const locks = new WeakMap<DuckDBInstance, Map<string, Promise<unknown>>>();

/**
 * Runs `fn` when no other `fn` under the same `name` runs on the database of `db` (any of its
 * connections) in this process; DuckDB lets one process at a time write a database file.
 */
export function exclusive<T>(db: Db, name: string, fn: () => Promise<T>): Promise<T> {
  const instance = instances.get(db);
  if (!instance) throw new Error('exclusive: not a connection opened by openDb');
  let byName = locks.get(instance);
  if (!byName) locks.set(instance, (byName = new Map()));
  const mine = (byName.get(name) ?? Promise.resolve()).then(fn);
  byName.set(
    name,
    mine.catch(() => undefined),
  );
  return mine;
}

/** Runs a query and returns its rows as JSON-safe objects (bigints become numbers or strings). */
export async function queryRows<T = Record<string, unknown>>(db: Db, sql: string, params?: unknown[]): Promise<T[]> {
  const reader = params ? await db.runAndReadAll(sql, params as never) : await db.runAndReadAll(sql);
  return reader.getRowObjectsJson() as T[];
}

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** Quotes an SQL string literal. */
export function lit(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}
