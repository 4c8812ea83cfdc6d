// The exchange (FEEDS.md "Exchange", 信息查询服务并反馈): where an agency cannot share its data, the
// bureau sends it the query list of the persons of interest — the registered active children, their
// parents and carers, one row per person with a request_id — and loads its answer like any feed file.
// The request is remembered (exchange_requests, exchange_request_rows: which registry rows and roles
// each request_id asks about), so that the answer links back through request_id (matchers) and a
// request the answer does not mention reads "no record as of the answer date" (rules explain).
import { join, resolve } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { FEEDS, type FeedName } from '../config/index.js';
import { ANSWER_DATE_HEADERS, REQUEST_ID_HEADERS } from '../pipeline/exchange.js';
import { FEED_LABELS, FEED_SPECS } from '../pipeline/feeds.js';
import { beijingTime } from '../pipeline/timing.js';
import { sealFile } from '../pipeline/seal/index.js';
import { exec, queryAll, queryOne, sql, storeKeys, transaction, type Db } from '../pipeline/store/index.js';
import { appendAudit, UserError } from '../review/index.js';
import { addNotesSheet, addSheet, newWorkbook, saveWorkbook, writeCsv, type Cell, type ColumnSpec } from './files.js';

/** The query list's columns: what the agency needs to look a person up, nothing about why. */
export const EXCHANGE_REQUEST_COLUMNS: readonly ColumnSpec[] = [
  { key: 'request_id', header: REQUEST_ID_HEADERS[0], width: 22, text: true },
  { key: 'name', header: '姓名', width: 12, text: true },
  { key: 'id_number', header: '身份证号', width: 22, text: true },
  { key: 'gender', header: '性别', width: 6, text: true },
  { key: 'birth_date', header: '出生日期', width: 12, text: true },
];

export interface ExchangeRequestOptions {
  feed: FeedName;
  outDir: string;
  /** Who writes the list (audit_log.actor). */
  by: string;
  /** Only children of this county (6 digits) or city / province prefix. */
  county?: string | null;
}

export interface ExchangeRequestResult {
  exchangeId: string;
  feed: FeedName;
  persons: number;
  files: { path: string; format: 'xlsx' | 'csv'; rows: number }[];
}

const personRow = z.object({ request_id: z.string(), name: z.string().nullable(), id_number: z.string().nullable(), gender: z.string().nullable(), birth_date: z.string().nullable() });

/**
 * Writes the query list for `feed` (XLSX with the answer format and notes, and GB18030 CSV), stores
 * the request and audits each file.
 */
export async function writeExchangeRequest(db: Db, opts: ExchangeRequestOptions): Promise<ExchangeRequestResult> {
  const by = opts.by.trim();
  if (!by) throw new UserError('请指定查询名单的制作人（--by）');
  if (!(FEEDS as readonly string[]).includes(opts.feed) || opts.feed === 'registry') {
    throw new UserError(`数据类型「${opts.feed}」不能用于信息查询（可用：${FEEDS.filter((f) => f !== 'registry').join('、')}）`);
  }
  const county = opts.county?.trim() || null;
  if (county !== null && !/^(\d{2}|\d{4}|\d{6})$/.test(county)) throw new UserError(`区划代码 ${county} 无效：应为 6 位区县代码（或 4 位市级、2 位省级前缀）`);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });

  const day = beijingTime().slice(0, 10).replaceAll('-', '');
  // One transaction: the request is stored with its rows and audit entries only when both files are written.
  const written: string[] = [];
  try {
    return await transaction(db, async () => {
      const n = await queryOne(db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM exchange_requests WHERE exchange_id LIKE ${`EX${day}%`}`);
      const exchangeId = `EX${day}${String((n?.n ?? 0) + 1).padStart(2, '0')}`;
      // The persons of interest: each active registry row's child, father, mother and carer (the roster
      // is delivered again every quarter: a child ref's latest row is its registration), one request per
      // person — the linkage's person when a linkage ran, else the valid ID number, else the row's mention.
      const linked = await queryOne(db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'persons' AND NOT temporary`);
      const personOf = linked?.n
        ? sql`(SELECT p.person_id FROM persons p WHERE p.feed = 'registry' AND p.batch_id = x.batch_id AND p.src_row = x.src_row AND p.role = x.role)`
        : sql`NULL::VARCHAR`;
      await exec(db, sql`CREATE OR REPLACE TEMP TABLE exchange_people AS
        WITH reg AS (
          SELECT * FROM feed_registry t
          QUALIFY t.child_ref IS NULL OR row_number() OVER (PARTITION BY t.child_ref ORDER BY t.batch_id DESC, t.src_row DESC) = 1
        ),
        active AS (
          SELECT * FROM reg WHERE status = 'ACTIVE'
            AND (${county}::VARCHAR IS NULL OR starts_with(coalesce(region_code_county, id_number_region_current[1], id_number_region, ''), ${county}::VARCHAR))
        ),
        x AS (
          SELECT batch_id, src_row, child_ref, 'child' AS role, 0 AS ord, name, id_number AS id, id_number_valid AS valid, coalesce(gender, id_number_gender) AS gender,
                 coalesce(CASE WHEN id_number_valid THEN id_number_birth_date END, birth_date) AS birth FROM active
          UNION ALL SELECT batch_id, src_row, child_ref, 'father', 1, father_name, father_id_number, father_id_number_valid, father_id_number_gender, father_id_number_birth_date FROM active
          UNION ALL SELECT batch_id, src_row, child_ref, 'mother', 2, mother_name, mother_id_number, mother_id_number_valid, mother_id_number_gender, mother_id_number_birth_date FROM active
          UNION ALL SELECT batch_id, src_row, child_ref, 'carer', 3, carer_name, carer_id_number, carer_id_number_valid, carer_id_number_gender, carer_id_number_birth_date FROM active
        )
        SELECT x.*, coalesce(${personOf}, CASE WHEN x.valid THEN 'id:' || x.id END, 'm:' || x.batch_id || ':' || x.src_row || ':' || x.role) AS person_key
        FROM x WHERE x.name IS NOT NULL OR x.id IS NOT NULL`);
      await exec(db, sql`CREATE OR REPLACE TEMP TABLE exchange_people AS
        SELECT e.*, ${exchangeId} || '-' || lpad(dense_rank() OVER (ORDER BY f.first)::VARCHAR, 5, '0') AS request_id
        FROM exchange_people e JOIN (SELECT person_key, min([batch_id, src_row, ord]) AS first FROM exchange_people GROUP BY person_key) f USING (person_key)`);
      await exec(db, sql`INSERT INTO exchange_request_rows (exchange_id, request_id, reg_batch_id, reg_src_row, role, child_ref)
        SELECT DISTINCT ${exchangeId}, request_id, batch_id, src_row, role, child_ref FROM exchange_people`);
      // One row per person: the name and ID of its first mention (a child's own row before a parent's listing).
      const rows = await queryAll(
        db,
        personRow,
        sql`SELECT request_id, arg_min(name, [batch_id, src_row, ord]) AS name, arg_min(id, [batch_id, src_row, ord]) AS id_number,
              CASE arg_min(gender, [batch_id, src_row, ord]) WHEN 'M' THEN '男' WHEN 'F' THEN '女' END AS gender,
              arg_min(birth, [batch_id, src_row, ord])::VARCHAR AS birth_date
            FROM exchange_people GROUP BY request_id ORDER BY request_id`,
      );
      await exec(db, sql`DROP TABLE IF EXISTS exchange_people`);
      if (!rows.length) throw new UserError(`名册中没有${county ? `区划 ${county} 的` : ''}在保儿童：请先导入儿童福利信息系统名册`);

      const base = join(outDir, `信息查询_${exchangeId}_${opts.feed}`);
      const files: ExchangeRequestResult['files'] = [
        { path: `${base}.xlsx`, format: 'xlsx', rows: rows.length },
        { path: `${base}.csv`, format: 'csv', rows: rows.length },
      ];
      const cells = rows as Record<string, Cell>[];
      const wb = newWorkbook();
      addSheet(wb, { name: '查询名单', columns: EXCHANGE_REQUEST_COLUMNS, rows: cells });
      const spec = FEED_SPECS[opts.feed];
      const answerColumns: ColumnSpec[] = [
        { key: 'request_id', header: REQUEST_ID_HEADERS[0], width: 22, text: true },
        ...spec.fields.map((f) => ({ key: f.key, header: f.headers[0] ?? f.key, width: 14, text: true })),
        { key: 'answer_date', header: ANSWER_DATE_HEADERS[0], width: 12, text: true },
      ];
      addSheet(wb, { name: '答复格式', columns: answerColumns, rows: [] });
      addNotesSheet(wb, [
        ['名单名称', `信息查询名单（${FEED_LABELS[opts.feed]}）`],
        ['查询编号', exchangeId],
        ['制作时间', beijingTime()],
        ['查询人数', String(rows.length)],
        ['区划范围', county ?? '全部'],
        ['答复方式', `请按「答复格式」表列出查到记录的人员，每行保留本名单的「${REQUEST_ID_HEADERS[0]}」；未列出的人员视为截至答复日期无记录。可填「${ANSWER_DATE_HEADERS[0]}」列（数据截至日期）。`],
        ['制作人', by],
        ['注意', '本名单含个人信息，仅限本次信息查询使用，不得外传'],
      ]);
      written.push(files[0]!.path);
      await saveWorkbook(wb, files[0]!.path);
      written.push(files[1]!.path);
      writeCsv(files[1]!.path, EXCHANGE_REQUEST_COLUMNS, cells, 'gb18030');
      await exec(
        db,
        sql`INSERT INTO exchange_requests (exchange_id, feed, created_at, created_by, persons, files)
            VALUES (${exchangeId}, ${opts.feed}, now()::TIMESTAMP, ${by}, ${rows.length}::INTEGER, ${JSON.stringify(files.map((f) => f.path))}::JSON)`,
      );
      for (const f of files) {
        await appendAudit(db, { actor: by, action: 'export', target: f.path, rows: f.rows, detail: { kind: 'exchange-request', exchangeId, feed: opts.feed, format: f.format, county } });
      }
      // Left sealed like every file with personal data (RULES.md §4): `bidui open` opens the list to send.
      const sealed = files.map((f) => ({ ...f, path: sealFile(storeKeys(db), f.path) }));
      written.splice(0, written.length, ...sealed.map((f) => f.path));
      return { exchangeId, feed: opts.feed, persons: rows.length, files: sealed };
    });
  } catch (err) {
    for (const f of written) rmSync(f, { force: true });
    throw err;
  }
}
