// The identity functions as DuckDB scalar UDFs, so that staging SQL normalises whole feeds
// without pulling rows into JS. DuckDB calls these on the JS thread, one chunk (≤ 2048 rows) at
// a time; every function returns NULL for a NULL first argument.
import {
  BOOLEAN,
  DATE,
  DuckDBDateValue,
  DuckDBScalarFunction,
  LIST,
  STRUCT,
  VARCHAR,
  listValue,
  structValue,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { isCodeSet, parseCode } from './codes.js';
import { parseDate, parseMonth } from './date.js';
import { normalizeId } from './id.js';
import { normalizeName } from './name.js';

const DAY_MS = 86_400_000;

function dateOf(iso: string | null): DuckDBDateValue | null {
  if (!iso) return null;
  return new DuckDBDateValue(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS);
}

function strings(items: readonly string[]): DuckDBValue {
  return listValue(items as string[]);
}

const ID_TYPE = STRUCT({
  id: VARCHAR,
  valid: BOOLEAN,
  damaged: BOOLEAN,
  issues: LIST(VARCHAR),
  birth_date: DATE,
  gender: VARCHAR,
  region: VARCHAR,
  region_current: LIST(VARCHAR),
});

// bidui_name returns the forms of a name packed in one string, parts separated by U+001F and list
// items by U+001E (normalizeNameText removes control characters, so neither occurs in a name).
// A STRUCT with two lists costs DuckDB's client about as much again as computing the forms.
const NAME_PART_SEP = '\u001f';
const NAME_ITEM_SEP = '\u001e';
/** The forms of a name in bidui_name's order, and whether each is a list (the columns of name_forms). */
export const NAME_FORM_PARTS = [
  ['norm', false],
  ['simplified', false],
  ['pinyin', false],
  ['pinyin_alts', true],
  ['surname', false],
  ['given', false],
  ['tokens', true],
] as const;

/**
 * Select items unpacking bidui_name's result into the columns of a name's forms (norm, simplified,
 * pinyin, pinyin_alts, surname, given, tokens). `parts` is `string_split(bidui_name(v), chr(31))`,
 * computed once in a subquery.
 */
export function nameFormsSql(parts: string): string {
  return NAME_FORM_PARTS.map(([name, list], i) => (list ? `string_split(${parts}[${i + 1}], chr(30))` : `${parts}[${i + 1}]`) + ` AS ${name}`).join(', ');
}


const DATE_TYPE = STRUCT({ date: DATE, error: VARCHAR });
const MONTH_TYPE = STRUCT({ month: VARCHAR, error: VARCHAR });
const CODE_TYPE = STRUCT({ code: VARCHAR, subtype: VARCHAR, error: VARCHAR });

/** Applies `fn` to every row of the chunk; a NULL first argument gives NULL. */
function rowwise(
  input: DuckDBDataChunk,
  output: DuckDBVector,
  fn: (args: readonly unknown[]) => DuckDBValue | null,
): void {
  const cols: DuckDBVector[] = [];
  for (let c = 0; c < input.columnCount; c++) cols.push(input.getColumnVector(c));
  const args: unknown[] = new Array(cols.length);
  const n = input.rowCount;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols.length; c++) args[c] = cols[c]!.getItem(i);
    output.setItem(i, args[0] == null ? null : fn(args));
  }
  output.flush();
}

function register(
  conn: DuckDBConnection,
  name: string,
  parameterTypes: DuckDBType[],
  returnType: DuckDBType,
  fn: (args: readonly unknown[]) => DuckDBValue | null,
): void {
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name,
      parameterTypes,
      returnType,
      specialHandling: true,
      mainFunction: (_info, input, output) => rowwise(input, output, fn),
    }),
  );
}

/**
 * Registers bidui_id, bidui_name, bidui_date, bidui_month and bidui_code on a connection. (bidui_char_damerau,
 * which only linkage uses, is registered with the matcher functions: matchers/functions.ts.)
 */
export function registerIdentityFunctions(conn: DuckDBConnection): void {
  register(conn, 'bidui_id', [VARCHAR, BOOLEAN], ID_TYPE, ([raw, numeric]) => {
    const r = normalizeId(raw as string, { numericCell: numeric === true });
    return structValue({
      id: r.id,
      valid: r.valid,
      damaged: r.damaged,
      issues: strings(r.issues),
      birth_date: dateOf(r.birthDate),
      gender: r.gender,
      region: r.region,
      region_current: strings(r.regionCurrent),
    });
  });

  register(conn, 'bidui_name', [VARCHAR], VARCHAR, ([raw]) => {
    const f = normalizeName(raw as string);
    if (!f) return null;
    return [f.norm, f.simplified, f.pinyin, f.pinyinAlts.join(NAME_ITEM_SEP), f.surname, f.given, f.tokens.join(NAME_ITEM_SEP)].join(NAME_PART_SEP);
  });

  register(conn, 'bidui_date', [VARCHAR, BOOLEAN], DATE_TYPE, ([raw, base1904]) => {
    const r = parseDate(raw as string, { base1904: base1904 === true });
    return structValue({ date: dateOf(r.date), error: r.error });
  });

  register(conn, 'bidui_month', [VARCHAR], MONTH_TYPE, ([raw]) => {
    const r = parseMonth(raw as string);
    return structValue({ month: r.month, error: r.error });
  });

  // The set name comes first, so a NULL set gives NULL as well; an unknown set is an error value.
  register(conn, 'bidui_code', [VARCHAR, VARCHAR], CODE_TYPE, ([set, raw]) => {
    if (raw == null) return null;
    if (!isCodeSet(set as string)) return structValue({ code: null, subtype: null, error: 'UNKNOWN_CODE_SET' });
    const r = parseCode(set as Parameters<typeof parseCode>[0], raw as string);
    return structValue({ code: r.code, subtype: r.subtype, error: r.error });
  });
}
