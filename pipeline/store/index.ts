export { openDb, connectAlso, exclusive, queryRows, lit, quoteIdent, type Db } from './db.js';
export { sql, ident, textList, exec, readAll, queryAll, queryOne, transaction, Sql, type SqlValue } from './sql.js';
export { migrate, MIGRATIONS } from './migrations.js';
export { refreshNameForms } from './name-forms.js';

import { openDb, type Db } from './db.js';
import { migrate } from './migrations.js';
import { refreshNameForms } from './name-forms.js';

/** Opens the store at `path` and brings its schema and its names' forms up to date. */
export async function openStore(path: string, opts: { threads?: number } = {}): Promise<Db> {
  const db = await openDb(path, opts);
  await migrate(db);
  await refreshNameForms(db);
  return db;
}
