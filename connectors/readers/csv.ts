import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ident, lit, queryRows, type Db } from '../../pipeline/store/index.js';
import { log } from '../../pipeline/log.js';
import { countLines, csvRecordStarts } from './csv-lines.js';
import { detectEncoding, transcodeToUtf8 } from './encoding.js';
import { uniqueHeaders, type ReadOptions, type ReadResult, type RejectedRecord } from './types.js';

/**
 * CSV through DuckDB's reader (all text, never typed). Lines DuckDB rejects (wrong column count,
 * bad quoting) come back as rejected records; every record keeps the line it starts on, also
 * after a cell with a line break or a blank line.
 */
export async function readCsv(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const encoding = opts.encoding === 'auto' ? await detectEncoding(path) : opts.encoding;
  let scanPath = path;
  if (encoding === 'gb18030') {
    scanPath = join(opts.workDir, `bidui-${randomUUID()}.csv`);
    await transcodeToUtf8(path, scanPath);
  }
  const tag = table.replace(/\W/g, '_');
  try {
    await db.run(`DROP TABLE IF EXISTS ${tag}_scan`);
    await db.run(
      `CREATE TEMP TABLE ${tag}_scan AS SELECT * FROM read_csv(${lit(scanPath)}, all_varchar = true, header = true,
         auto_detect = true, store_rejects = true, rejects_scan = '${tag}_rs', rejects_table = '${tag}_re')`,
    );
    const cols = await queryRows<{ column_name: string }>(db, `SELECT column_name FROM (DESCRIBE ${tag}_scan)`);
    const rawHeaders = cols.map((c) => c.column_name);
    const headers = uniqueHeaders(rawHeaders.map((h) => h.replace(/^\uFEFF/, '')));
    const rejects = await queryRows<{ line: number; error_type: string; error_message: string; csv_line: string }>(
      db,
      `SELECT line::INTEGER AS line, any_value(error_type) AS error_type, any_value(error_message) AS error_message,
              any_value(csv_line) AS csv_line FROM ${tag}_re GROUP BY line ORDER BY line`,
    );
    const rejectedLines = rejects.map((r) => r.line);
    const [{ n }] = (await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${tag}_scan`)) as [{ n: number }];
    const columns = rawHeaders.map((h, i) => `s.${ident(h)} AS ${ident(headers[i]!)}`).join(', ');
    // DuckDB numbers records, not lines: a quoted line break or a blank line puts the following
    // records further down the file than their numbers. Only then are the lines counted out.
    let lineOf = (record: number) => record;
    let recordTable = `(SELECT r, r AS line FROM range(2, ${n + rejectedLines.length + 2}) t(r))`;
    let recordsAreLines = true;
    if ((await countLines(scanPath)) !== n + rejectedLines.length + 1) {
      // RFC 4180 double quotes (sniff_csv does not report the quote read_csv ends up using); a
      // file that quotes otherwise fails the count below and keeps record numbers.
      const { start, blank, count } = await csvRecordStarts(scanPath);
      const rejectedSet = new Set(rejectedLines);
      let good = 0;
      for (let r = 2; r <= count; r++) if (!blank[r - 1] && !rejectedSet.has(r)) good++;
      if (good === n) {
        await db.run(`CREATE OR REPLACE TEMP TABLE ${tag}_lines (r INTEGER, line INTEGER)`);
        const appender = await db.createAppender(`${tag}_lines`, 'main', 'temp');
        for (let r = 2; r <= count; r++) {
          if (blank[r - 1]) continue;
          appender.appendInteger(r);
          appender.appendInteger(start[r - 1]!);
          appender.endRow();
        }
        appender.closeSync();
        lineOf = (record) => start[record - 1] ?? record;
        recordTable = `${tag}_lines`;
        recordsAreLines = false;
      } else {
        log.warn({ table, records: good, rows: n }, 'CSV records not located in the file: src_line holds record numbers');
      }
    }
    await db.run(`DROP TABLE IF EXISTS ${ident(table)}`);
    if (!rejectedLines.length && recordsAreLines) {
      // Every line was read, in file order (DuckDB preserves insertion order): record k is line k + 2.
      await db.run(`
        CREATE TEMP TABLE ${ident(table)} AS
        SELECT (s.rowid + 1)::INTEGER AS src_row, (s.rowid + 2)::INTEGER AS src_line, NULL::VARCHAR AS numeric_cols, ${columns}
        FROM ${tag}_scan s`);
    } else {
      // The k-th good record is the k-th record (from 2, after the header) that was not rejected.
      await db.run(`
        CREATE TEMP TABLE ${ident(table)} AS
        WITH records AS (
          SELECT r, line, (row_number() OVER (ORDER BY r) - 1)::BIGINT AS k
          FROM ${recordTable}
          WHERE NOT list_contains([${rejectedLines.join(',')}]::BIGINT[], r)
        )
        SELECT (records.r - 1)::INTEGER AS src_row, records.line::INTEGER AS src_line, NULL::VARCHAR AS numeric_cols, ${columns}
        FROM (SELECT rowid AS k, * FROM ${tag}_scan) s JOIN records USING (k)
        ORDER BY src_row`);
    }
    await db.run(`DROP TABLE ${tag}_scan`);
    const rejected: RejectedRecord[] = rejects.map((r) => ({
      srcRow: r.line - 1,
      srcLine: lineOf(r.line),
      reason: 'UNREADABLE_LINE',
      detail: `${r.error_type}: ${r.error_message}`,
      raw: r.csv_line,
    }));
    return { format: 'csv', encoding, headers, rowsRead: n + rejected.length, rejected, dateBase1904: false };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${tag}_re`).catch(() => undefined);
    await db.run(`DROP TABLE IF EXISTS ${tag}_rs`).catch(() => undefined);
    await db.run(`DROP TABLE IF EXISTS ${tag}_lines`).catch(() => undefined);
    if (scanPath !== path) await rm(scanPath, { force: true });
  }
}
