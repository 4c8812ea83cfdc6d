import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { ident, lit, queryRows, type Db } from '../../pipeline/store/index.js';
import { log } from '../../pipeline/log.js';
import { countLines, csvRecordStarts } from './csv-lines.js';
import { InputError, LIMITS, scrubMessage } from '../limits.js';
import { detectEncoding, transcodeToUtf8 } from './encoding.js';
import { uniqueHeaders, type ReadOptions, type ReadResult, type RejectedRecord } from './types.js';

/**
 * CSV through DuckDB's reader (all text, never typed). Lines DuckDB rejects (wrong column count,
 * bad quoting) come back as rejected records; every record keeps the line it starts on, also
 * after a cell with a line break or a blank line.
 */
export async function readCsv(db: Db, path: string, table: string, opts: ReadOptions): Promise<ReadResult> {
  const limits = opts.limits ?? LIMITS;
  const shape = await csvShape(path, limits.maxRowBytes);
  if (shape.headerBytes > limits.maxRowBytes) throw new InputError(`首行 (表头) 超过 ${limits.maxRowBytes} 字节的单行上限 (header line too long)`);
  if (shape.headerColumns > limits.maxColumns) throw new InputError(`表头有 ${shape.headerColumns} 列, 超过 ${limits.maxColumns} 列的上限 (too many columns)`);
  const encoding = opts.encoding === 'auto' ? await detectEncoding(path) : opts.encoding;
  // Copies hold personal data: they live in the work folder (inside the data folder) and are removed.
  const temps: string[] = [];
  let scanPath = path;
  try {
    if (shape.longLines.length) {
      // A line over the bound would stop DuckDB's reader for the whole file: it becomes a blank line
      // (skipped, so every other line keeps its number) and is quarantined.
      const copy = join(opts.workDir, `bidui-${randomUUID()}.csv`);
      temps.push(copy);
      await blankLines(scanPath, copy, new Set(shape.longLines));
      scanPath = copy;
    }
    if (encoding === 'gb18030') {
      const copy = join(opts.workDir, `bidui-${randomUUID()}.csv`);
      temps.push(copy);
      await transcodeToUtf8(scanPath, copy);
      scanPath = copy;
    }
  } catch (err) {
    for (const t of temps) await rm(t, { force: true });
    throw err;
  }
  const tag = table.replace(/\W/g, '_');
  try {
    await db.run(`DROP TABLE IF EXISTS ${tag}_scan`);
    await db.run(
      `CREATE TEMP TABLE ${tag}_scan AS SELECT * FROM read_csv(${lit(scanPath)}, all_varchar = true, header = true,
         auto_detect = true, max_line_size = ${2 * limits.maxRowBytes}, store_rejects = true, rejects_scan = '${tag}_rs', rejects_table = '${tag}_re')`,
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
      detail: `第 ${lineOf(r.line)} 行无法解析 (${r.error_type}): ${scrubMessage(r.error_message ?? '')}`,
      raw: r.csv_line === null ? null : r.csv_line.slice(0, limits.maxFieldChars),
    }));
    for (const line of shape.longLines) {
      rejected.push({
        srcRow: line - 1,
        srcLine: line,
        reason: 'ROW_TOO_LONG',
        detail: `第 ${line} 行超过 ${limits.maxRowBytes} 字节的单行上限, 整行隔离 (row too long)`,
        raw: null,
      });
    }
    rejected.sort((a, b) => a.srcLine - b.srcLine);
    return { format: 'csv', encoding, headers, rowsRead: n + rejected.length, rejected, dateBase1904: false };
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${tag}_re`).catch(() => undefined);
    await db.run(`DROP TABLE IF EXISTS ${tag}_rs`).catch(() => undefined);
    await db.run(`DROP TABLE IF EXISTS ${tag}_lines`).catch(() => undefined);
    for (const t of temps) await rm(t, { force: true });
  }
}

/**
 * The first line's length and column count (the most of `,` `;` tab `|` plus one; quotes are not
 * parsed, so a quoted separator counts too), and the physical lines (1-based) over `maxLineBytes`.
 */
export async function csvShape(path: string, maxLineBytes: number): Promise<{ headerBytes: number; headerColumns: number; longLines: number[] }> {
  const seps = [0x2c, 0x3b, 0x09, 0x7c];
  const counts = [0, 0, 0, 0];
  let headerBytes = 0;
  let inHeader = true;
  let line = 1;
  let lineBytes = 0;
  const longLines: number[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    while (from <= chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl === -1 ? chunk.length : nl;
      if (inHeader) {
        for (let i = from; i < end; i++) {
          const k = seps.indexOf(chunk[i]!);
          if (k !== -1) counts[k]!++;
        }
        headerBytes += end - from;
      }
      lineBytes += end - from;
      if (nl === -1) break;
      if (lineBytes > maxLineBytes && line > 1) longLines.push(line);
      inHeader = false;
      line++;
      lineBytes = 0;
      from = nl + 1;
    }
  }
  if (lineBytes > maxLineBytes && line > 1) longLines.push(line);
  return { headerBytes, headerColumns: Math.max(...counts) + 1, longLines };
}

/** Copies `src` to `dest` with the given physical lines (1-based) left empty. */
async function blankLines(src: string, dest: string, lines: Set<number>): Promise<void> {
  const out = createWriteStream(dest);
  let line = 1;
  const write = async (b: Buffer) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  for await (const chunk of createReadStream(src, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const end = nl === -1 ? chunk.length : nl + 1;
      if (!lines.has(line)) await write(chunk.subarray(from, end));
      else if (nl !== -1) await write(Buffer.from('\n'));
      if (nl === -1) break;
      line++;
      from = nl + 1;
    }
  }
  out.end();
  await once(out, 'finish');
}
