// Which stored columns are sealed (RULES.md §4, docs/protection.md), and the views that open them.
//
// A sealed table is stored as `sealed_<name>` with its personal columns as sealed text (bidui_seal);
// the view `<name>` in the process's work database opens them (bidui_open) and casts them back to
// their type, so code that reads `feed_registry` or `flags` reads plain values and never knows.
// Code that writes goes to the stored table and seals (sealedInsertSql, sealValueSql). Equal values
// seal to equal text: a join or a DELETE … WHERE on a sealed column can compare sealed text.
import { FEED_SPECS, type FeedSpec } from '../feeds.js';
import { quoteIdent, storeTable, WORK_DATABASE, type Db } from './db.js';
import { feedColumns, type Column } from './schema.js';

export interface SealedTable {
  /** The name code reads (a view in the work database). */
  name: string;
  /** The stored table. */
  table: string;
  /** The sealed columns, with the type the view gives them back. */
  columns: Column[];
}

/** The columns of a feed row that never leave the store in clear: names, ID numbers, free text, the raw row; all of a need-to-know feed's. */
function feedSealedColumns(spec: FeedSpec): Column[] {
  const kinds = new Map(spec.fields.map((f) => [f.key, f.kind.type]));
  const bare = (c: Column): Column => ({ name: c.name, sql: c.sql.replace(/ NOT NULL$/, '') });
  return feedColumns(spec).map(bare).filter((c) => {
    if (['batch_id', 'src_row', 'src_line'].includes(c.name) || c.sql === 'BOOLEAN') return false;
    if (spec.needToKnow || c.name === 'raw') return true;
    const kind = kinds.get(c.name);
    return kind === 'name' || kind === 'id' || kind === 'text';
  });
}

const v = (name: string, sql = 'VARCHAR'): Column => ({ name, sql });

/**
 * Mentions (matchers/mentions.ts) as the linkage leaves them for later readers (rules/gather.ts): the name as
 * written and the ID sealed; what only the linkage reads is not kept (LINKAGE_ONLY: the forms of the name, the IDs of
 * the parents a child's record lists).
 */
const MENTION_COLUMNS: Column[] = [v('name_raw'), v('id')];
const LINKAGE_ONLY = ['name_norm', 'name_simp', 'name_pinyin', 'name_alts', 'name_surname', 'name_given', 'name_tokens', 'name_nodots', 'name_pinyin_nodots', 'father_id', 'mother_id'];

const sealed = (name: string, columns: Column[]): SealedTable => ({ name, table: `sealed_${name}`, columns });

export const SEALED_TABLES: readonly SealedTable[] = [
  ...Object.values(FEED_SPECS).map((spec) => sealed(spec.table, feedSealedColumns(spec))),
  sealed('name_forms', [v('name'), v('norm'), v('simplified'), v('pinyin'), v('pinyin_alts', 'VARCHAR[]'), v('surname'), v('given'), v('tokens', 'VARCHAR[]')]),
  sealed('quarantine', [v('detail'), v('raw')]),
  // A flag's category and reason say HIV (need-to-know) and its child_ref finds the child: sealed with the names.
  sealed('flags', [v('child_name'), v('child_id_number'), v('child_ref'), v('category'), v('previous_category'), v('reason'), v('evidence', 'JSON')]),
  sealed('decisions', [v('reason')]),
  sealed('mentions', MENTION_COLUMNS),
];

const BY_NAME = new Map(SEALED_TABLES.map((t) => [t.name, t]));

/** The sealing of table `name` (a feed table, flags, …). */
export function sealedTable(name: string): SealedTable {
  const t = BY_NAME.get(name);
  if (!t) throw new Error(`not a sealed table: ${name}`);
  return t;
}

/** SQL sealing `expr`, a value of column `c`'s type. */
export function sealExpr(c: Column, expr: string): string {
  if (c.sql === 'VARCHAR') return `bidui_seal(${expr})`;
  if (c.sql.endsWith('[]')) return `bidui_seal(to_json(${expr})::VARCHAR)`;
  return `bidui_seal((${expr})::VARCHAR)`;
}

/** SQL opening sealed `expr` back to column `c`'s type. */
export function openExpr(c: Column, expr: string): string {
  if (c.sql === 'VARCHAR') return `bidui_open(${expr})`;
  if (c.sql.endsWith('[]')) return `from_json(bidui_open(${expr}), '["VARCHAR"]')`;
  return `bidui_open(${expr})::${c.sql}`;
}

/** `expr` for column `column` of sealed table `name`: sealed when the column is. */
export function sealValueSql(name: string, column: string, expr: string): string {
  const c = sealedTable(name).columns.find((x) => x.name === column);
  return c ? sealExpr(c, expr) : expr;
}

/** `INSERT INTO <stored table> (columns) SELECT <values, sealed where they must be> <rest>`. */
export function sealedInsertSql(name: string, columns: readonly string[], values: readonly string[], rest: string): string {
  const t = sealedTable(name);
  return `INSERT INTO ${quoteIdent(t.table)} (${columns.map(quoteIdent).join(', ')})
SELECT ${columns.map((c, i) => sealValueSql(name, c, values[i]!)).join(',\n  ')}
${rest}`;
}

/** The view that opens stored table `t` (in the work database), reading it from catalog `store`. */
export function openViewSql(t: SealedTable, store: string, work: string): string {
  const opened = t.columns.map((c) => `${openExpr(c, quoteIdent(c.name))} AS ${quoteIdent(c.name)}`).join(', ');
  return `CREATE OR REPLACE VIEW ${quoteIdent(work)}.main.${quoteIdent(t.name)} AS SELECT * REPLACE (${opened}) FROM ${quoteIdent(store)}.main.${quoteIdent(t.table)}`;
}

/**
 * Copies work table `name` (made by this process: the linkage's persons, person_links, mentions) into
 * the store for later processes (the web's flag page, rules explain, preview), sealed when it is a
 * sealed table. This process goes on reading its work table (`w`). `sealedAlready`: a query `s` joined on
 * `uid`, and for some sealed columns an expression over `w` and `s` giving the value sealed already (the
 * mentions' names and IDs as the feed rows store them) or NULL, when it must be sealed here.
 */
export async function persistWorkTable(db: Db, name: string, opts: { sealedAlready?: { sql: string; columns: Record<string, string> } } = {}): Promise<void> {
  const t = SEALED_TABLES.find((x) => x.name === name);
  const from = `${WORK_DATABASE}.main.${quoteIdent(name)}`;
  const exclude = name === 'mentions' ? `EXCLUDE (${LINKAGE_ONLY.join(', ')}) ` : '';
  const already = opts.sealedAlready?.columns ?? {};
  const sealCol = (c: Column) => {
    const fresh = sealExpr(c, `w.${quoteIdent(c.name)}`);
    return already[c.name] ? `coalesce(${already[c.name]}, ${fresh})` : fresh;
  };
  const join = opts.sealedAlready ? ` LEFT JOIN (${opts.sealedAlready.sql}) s ON s.uid = w.uid` : '';
  const select = t ? `SELECT w.* ${exclude}REPLACE (${t.columns.map((c) => `${sealCol(c)} AS ${quoteIdent(c.name)}`).join(', ')}) FROM ${from} w${join}` : `SELECT * FROM ${from}`;
  await db.run(`CREATE OR REPLACE TABLE ${storeTable(db, t ? t.table : name)} AS ${select}`);
}

/** Drops the work database's view `name`, if any, so that this process can make its own table of that name (the linkage's mentions). */
export async function dropOpenView(db: Db, name: string): Promise<void> {
  const reader = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE database_name = '${WORK_DATABASE}' AND view_name = '${name.replaceAll("'", "''")}'`);
  if ((reader.getRowObjectsJson()[0] as { n: number }).n) await db.run(`DROP VIEW ${WORK_DATABASE}.main.${quoteIdent(name)}`);
}

/**
 * `INSERT INTO <stored table> BY NAME` of the plain rows of `from` (a table or query with the view's
 * columns, or with `columns` only), sealed.
 */
export function insertPlainRowsSql(name: string, from: string, columns?: readonly string[]): string {
  const t = sealedTable(name);
  const cols = columns ?? null;
  const values = cols
    ? cols.map((c) => `${sealValueSql(name, c, quoteIdent(c))} AS ${quoteIdent(c)}`).join(', ')
    : `* REPLACE (${t.columns.map((c) => `${sealExpr(c, quoteIdent(c.name))} AS ${quoteIdent(c.name)}`).join(', ')})`;
  return `INSERT INTO ${quoteIdent(t.table)} BY NAME SELECT ${values} FROM ${from}`;
}

/**
 * Opens the name_forms of the store once into a temp table of the same name on connection `db` (it
 * comes before the work database's view), with each name's sealed text as `name_sealed`: the linkage
 * joins every feed's sealed names to it (without opening them), and a view would open every form of
 * every name once per join. `done` drops it again.
 */
export async function openNameFormsOnce(db: Db): Promise<{ done: () => Promise<void> }> {
  const t = sealedTable('name_forms');
  const opened = t.columns.map((c) => `${openExpr(c, quoteIdent(c.name))} AS ${quoteIdent(c.name)}`).join(', ');
  await db.run(`CREATE OR REPLACE TEMP TABLE name_forms AS SELECT * REPLACE (${opened}), name AS name_sealed FROM ${quoteIdent(t.table)}`);
  return { done: () => db.run('DROP TABLE IF EXISTS temp.main.name_forms').then(() => undefined) };
}
