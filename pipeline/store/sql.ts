// SQL with bound values. `sql` is a tagged template: every interpolated value becomes a `$n`
// parameter of a prepared statement, never text; a nested `sql` fragment is spliced in with its
// own parameters renumbered; an identifier enters only through `ident`. Rows come back parsed by
// a zod schema at the boundary (`queryAll`), so a wrong column type fails where it is read.
import { LIST, listValue, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { z } from 'zod';
import { quoteIdent, type Db } from './db.js';

/** A quoted SQL identifier; its text is the quoted name, so it also works in plain string SQL. */
export class Identifier {
  readonly quoted: string;
  constructor(name: string) {
    this.quoted = quoteIdent(name);
  }
  toString(): string {
    return this.quoted;
  }
}

/** Quotes an SQL identifier (a table or column name). */
export const ident = (name: string): Identifier => new Identifier(name);

/** A list of texts bound as one VARCHAR[] parameter (`x IN (SELECT unnest(${textList(xs)}))`). */
export class TextList {
  constructor(readonly items: readonly string[]) {}
}
export const textList = (items: readonly string[]): TextList => new TextList(items);

export type SqlValue = string | number | boolean | bigint | null | Sql | Identifier | TextList;

/** A statement or fragment: text with `$n` placeholders and the values they bind. */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly SqlValue[],
  ) {}

  /** The text with `$1…$n` placeholders, the values and their types (undefined: inferred). */
  render(): { text: string; params: DuckDBValue[]; types: (DuckDBType | undefined)[] } {
    const params: DuckDBValue[] = [];
    const types: (DuckDBType | undefined)[] = [];
    const walk = (q: Sql): string => {
      let text = q.strings[0]!;
      q.values.forEach((v, i) => {
        if (v instanceof Sql) text += walk(v);
        else if (v instanceof Identifier) text += v.quoted;
        else if (v instanceof TextList) {
          params.push(listValue([...v.items]));
          types.push(LIST(VARCHAR));
          text += `$${params.length}`;
        } else {
          params.push(v as DuckDBValue);
          types.push(undefined);
          text += `$${params.length}`;
        }
        text += q.strings[i + 1]!;
      });
      return text;
    };
    const text = walk(this);
    return { text, params, types };
  }
}

export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  return new Sql([...strings], values);
}

/** Fragments joined by a separator (default `, `). */
sql.join = (parts: readonly Sql[], separator: Sql = sql`, `): Sql => {
  const values: SqlValue[] = [];
  parts.forEach((p, i) => {
    if (i) values.push(separator);
    values.push(p);
  });
  return new Sql(new Array<string>(values.length + 1).fill(''), values);
};

/** A fragment from trusted text written in this codebase (never from input). */
sql.trusted = (text: string): Sql => new Sql([text], []);

/** Runs a statement and reads all of its result (for callers that need column types or JS values). */
export async function readAll(db: Db, q: Sql) {
  const { text, params, types } = q.render();
  if (!params.length) return db.runAndReadAll(text);
  return types.some((t) => t) ? db.runAndReadAll(text, params, types as DuckDBType[]) : db.runAndReadAll(text, params);
}

/** Runs a statement for its effect. */
export async function exec(db: Db, q: Sql): Promise<void> {
  await readAll(db, q);
}

/** Runs a query and parses every row with `schema` (JSON-safe values: bigints as numbers or strings). */
export async function queryAll<S extends z.ZodType>(db: Db, schema: S, q: Sql): Promise<z.infer<S>[]> {
  const reader = await readAll(db, q);
  return reader.getRowObjectsJson().map((row, i) => {
    const r = schema.safeParse(row);
    if (!r.success) throw new Error(`row ${i + 1} of a query does not fit its schema: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return r.data;
  });
}

/** The first row, or undefined. */
export async function queryOne<S extends z.ZodType>(db: Db, schema: S, q: Sql): Promise<z.infer<S> | undefined> {
  return (await queryAll(db, schema, q))[0];
}

/** Runs `fn` in a transaction: committed when it returns, rolled back when it throws. */
export async function transaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  await db.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await db.run('COMMIT');
    return out;
  } catch (err) {
    try {
      await db.run('ROLLBACK');
    } catch {
      // The transaction may already be gone (a failed COMMIT); the first error is the one to report.
    }
    throw err;
  }
}
