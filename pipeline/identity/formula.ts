// Text bound for a spreadsheet: no cell may be read as a formula when a written file is opened.

/**
 * Formula injection (OWASP "CSV Injection"): a text cell starting with = + - @, a tab or a carriage
 * return is read as a formula by Excel and LibreOffice when a CSV is opened (`=cmd|' /C calc'!A0`),
 * so such a cell is written with a leading apostrophe, which spreadsheets show as text. A plain
 * number (-3, +1.5) is no formula and stays as it is; an ID number never starts with those
 * characters and is never altered. Every CSV and XLSX cell the product writes passes here;
 * `neutraliseFormulaSql` is the same rule for a DuckDB COPY.
 */
export function neutraliseFormula(s: string): string {
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * `neutraliseFormula` as SQL over a text expression, for files written by DuckDB's COPY (flags.csv):
 * `COPY (SELECT ${neutraliseFormulaSql('child_name')} AS child_name, ...) TO ...`.
 */
export function neutraliseFormulaSql(expr: string): string {
  const starts = String.raw`'^[=+@\t\r-]'`;
  const number = String.raw`'[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)'`;
  return `(CASE WHEN regexp_matches(${expr}, ${starts}) AND NOT regexp_full_match(${expr}, ${number}) THEN '''' || ${expr} ELSE ${expr} END)`;
}
