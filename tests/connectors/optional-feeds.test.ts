// Issue 15 item 1: the five optional feeds (court, lost_contact, illness, hiv, social_assistance) are
// read like the others from `<inbox>/<feed>/`: Chinese headers, every format (CSV UTF-8 and GB18030,
// XLSX, JSON Lines, Parquet), codes and dates normalised, bad rows quarantined with a Chinese reason.
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { printStatus } from '../../cli/print.js';
import { loadConfig, type Config, type FeedName } from '../../config/index.js';
import { findingLabel, ingestInbox, quarantineReasonLabel, storeStatus } from '../../connectors/index.js';
import { FEED_LABELS, FEED_SPECS } from '../../pipeline/feeds.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const ADULT_M = makeId('440305', '19850101', '131');
const ADULT_F = makeId('440305', '19870202', '242');
const CHILD = makeId('440305', '20140303', '353');

interface Case {
  headers: string[];
  /** Rows as written (strings: every format carries the same text). */
  good: string[][];
  bad: { row: string[]; field: string; reason: string }[];
  /** What the stored good rows hold (a subset of columns), in order. */
  stored: Record<string, unknown>[];
  findings?: string[];
}

const CASES: Record<Exclude<FeedName, 'registry' | 'death' | 'incarceration' | 'disability' | 'enrollment'>, Case> = {
  court: {
    headers: ['姓名', '公民身份号码', '性别', '判决类型', '判决日期', '生效日期', '审理法院', '案号'],
    good: [
      ['张三', ADULT_M, '男', '宣告失踪', '2025年3月1日', '2025-04-01', '南山区人民法院', '(2025)粤0305民特12号'],
      ['张三', ADULT_M, '男', '撤销失踪宣告', '2026/5/6', '', '南山区人民法院', '(2026)粤0305民特3号'],
      ['李梅', ADULT_F, '女', '撤销监护资格', '20240110', '', '', 'C-3'],
    ],
    bad: [
      { row: ['王五', ADULT_M, '男', '判决离婚', '2025-01-01', '', '', 'C-4'], field: 'judgment_type', reason: 'INVALID_CODE' },
      { row: ['王六', ADULT_M, '男', '宣告死亡', '', '', '', 'C-5'], field: 'judgment_date', reason: 'MISSING_REQUIRED' },
    ],
    stored: [
      { name: '张三', id_number: ADULT_M, judgment_type: 'DECLARED_MISSING', judgment_date: '2025-03-01', effective_date: '2025-04-01', court: '南山区人民法院' },
      { name: '张三', judgment_type: 'MISSING_REVOKED', judgment_date: '2026-05-06', effective_date: null },
      { name: '李梅', gender: 'F', judgment_type: 'GUARDIANSHIP_REVOKED', judgment_date: '2024-01-10', case_no: 'C-3' },
    ],
  },
  lost_contact: {
    headers: ['姓名', '身份证号', '报告日期', '找回日期', '报告单位', '记录编号'],
    good: [
      ['李四', ADULT_M, '2025/1/5', '', '南山派出所', 'L-1'],
      ['李梅', ADULT_F, '2025.01.05', '2025年6月1日', '南山派出所', 'L-2'],
      ['李梅', ADULT_F, '2025-03-01', '2025-02-01', '南山派出所', 'L-3'], // found before reported: a finding
    ],
    bad: [{ row: ['王五', ADULT_M, '去年', '', '', 'L-4'], field: 'report_date', reason: 'UNRECOGNISED_FORMAT' }],
    stored: [
      { name: '李四', report_date: '2025-01-05', found_date: null, reporter: '南山派出所', record_id: 'L-1' },
      { name: '李梅', report_date: '2025-01-05', found_date: '2025-06-01' },
      { name: '李梅', report_date: '2025-03-01', found_date: '2025-02-01' },
    ],
    findings: ['DATE_ORDER'],
  },
  illness: {
    headers: ['姓名', '身份证号', '疾病编码', '疾病名称', '确诊日期', '医疗机构', '记录编号'],
    good: [
      ['赵小六', CHILD, 'C91.0', '急性淋巴细胞白血病', '2025-02-01', '市儿童医院', 'I-1'],
      ['李梅', ADULT_F, 'C50.900x001', '乳腺恶性肿瘤', '2024-11-30', '市人民医院', 'I-2'],
    ],
    bad: [
      { row: ['王五', ADULT_M, '白血病', '白血病', '2025-01-01', '', 'I-3'], field: 'disease_code', reason: 'INVALID_DISEASE_CODE' },
      { row: ['王六', ADULT_M, 'I21', '急性心肌梗死', '', '', 'I-4'], field: 'diagnosis_date', reason: 'MISSING_REQUIRED' },
    ],
    stored: [
      { name: '赵小六', birth_date: '2014-03-03', disease_code: 'C91.0', disease_name: '急性淋巴细胞白血病', diagnosis_date: '2025-02-01' },
      { name: '李梅', disease_code: 'C50.900x001', diagnosis_date: '2024-11-30', hospital: '市人民医院' },
    ],
  },
  hiv: {
    headers: ['姓名', '身份证件号码', '性别', '出生日期', '确诊日期', '户籍地区划代码', '记录编号'],
    good: [['孙小七', CHILD, '男', '2014-03-03', '2024-12-01', '440305', 'H-1']],
    bad: [
      { row: ['孙八', ADULT_M, '男', '', '2024-12-01', '44O305', 'H-2'], field: 'region_code', reason: 'INVALID_REGION_CODE' },
      { row: ['孙九', ADULT_M, '男', '', '', '440305', 'H-3'], field: 'confirm_date', reason: 'MISSING_REQUIRED' },
    ],
    stored: [{ name: '孙小七', id_number: CHILD, gender: 'M', birth_date: '2014-03-03', confirm_date: '2024-12-01', region_code: '440305', region_code_county: '440305' }],
  },
  social_assistance: {
    headers: ['家庭编号', '姓名', '身份证号', '与户主关系', '救助类型', '纳入日期', '退出日期', '户籍地区划代码', '月救助金额'],
    good: [
      ['H001', '周八', ADULT_M, '户主', '低保', '2023-01-01', '', '440305', '1200'],
      ['H001', '周小八', CHILD, '儿子', '城乡低保', '2023-01-01', '', '440305', '1,200.50'],
      ['H002', '李梅', ADULT_F, '本人', '特困人员', '2022-05-01', '2026-06-30', '440305', ''],
    ],
    bad: [
      { row: ['H003', '王五', ADULT_M, '户主', '五保户', '2023-01-01', '', '440305', '800'], field: 'assistance_type', reason: 'INVALID_CODE' },
      { row: ['H004', '王六', ADULT_M, '户主', '低保', '2023-01-01', '', '440305', '一千'], field: 'monthly_amount', reason: 'INVALID_AMOUNT' },
      { row: ['H005', '王七', ADULT_M, '户主', '低保边缘', '', '', '440305', ''], field: 'start_date', reason: 'MISSING_REQUIRED' },
    ],
    stored: [
      { household_id: 'H001', name: '周八', relation: 'HEAD', assistance_type: 'DIBAO', start_date: '2023-01-01', end_date: null, monthly_amount: '1200' },
      { household_id: 'H001', name: '周小八', relation: 'CHILD', assistance_type: 'DIBAO', birth_date: '2014-03-03' },
      { household_id: 'H002', relation: 'HEAD', assistance_type: 'TEKUN', end_date: '2026-06-30' },
    ],
  },
};

const FORMATS = ['csv-utf8', 'csv-gb18030', 'xlsx', 'jsonl', 'parquet'] as const;

let inbox: string;
let cfg: Config;
let db: Db;

beforeEach(async () => {
  inbox = tempDir('bidui-optional-');
  cfg = loadConfig(undefined, { database: ':memory:', inbox });
  db = await openStore(':memory:');
});

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

async function writeAll(feed: FeedName, c: Case): Promise<void> {
  const rows = [...c.good, ...c.bad.map((b) => b.row)];
  const csv = [c.headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
  writeFile(inbox, `${feed}/a.csv`, '\uFEFF' + csv);
  writeFile(inbox, `${feed}/b.csv`, iconv.encode(csv, 'gb18030'));
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('数据');
  ws.addRow(c.headers);
  for (const r of rows) ws.addRow(r.map((v) => (v === '' ? null : v)));
  await wb.xlsx.writeFile(join(inbox, feed, 'c.xlsx'));
  // JSON Lines with the canonical keys (FEEDS.md), empty cells left out.
  const keys = c.headers.map((h) => FEED_SPECS[feed].fields.find((f) => f.headers.includes(h))?.key ?? h);
  writeFile(inbox, `${feed}/d.jsonl`, rows.map((r) => JSON.stringify(Object.fromEntries(r.flatMap((v, i) => (v === '' ? [] : [[keys[i], v]]))))).join('\n') + '\n');
  // Parquet with the Chinese headers as column names.
  const select = rows
    .map((r) => `SELECT ${r.map((v, i) => `${v === '' ? 'NULL' : `'${v.replaceAll("'", "''")}'`}::VARCHAR AS "${c.headers[i]}"`).join(', ')}`)
    .join(' UNION ALL ');
  await db.run(`COPY (SELECT * FROM (${select})) TO '${join(inbox, feed, 'e.parquet')}' (FORMAT parquet)`);
}

describe('optional feeds: every format, quarantine with reasons, findings', () => {
  for (const [feed, c] of Object.entries(CASES) as [keyof typeof CASES, Case][]) {
    it(`${feed}: CSV (UTF-8, GB18030), XLSX, JSON Lines and Parquet load the same rows and quarantine the same`, async () => {
      await writeAll(feed, c);
      const reports = await ingestInbox(db, cfg);
      expect(reports.map((r) => [r.file.split('/').pop(), r.feed, r.status, r.rowsLoaded, r.rowsQuarantined])).toEqual(
        ['a.csv', 'b.csv', 'c.xlsx', 'd.jsonl', 'e.parquet'].map((f) => [f, feed, 'loaded', c.good.length, c.bad.length]),
      );
      const spec = FEED_SPECS[feed];
      for (const [i, format] of FORMATS.entries()) {
        const batch = reports[i]!.batchId!;
        const got = await queryRows<Record<string, unknown>>(db, `SELECT * FROM ${spec.table} WHERE batch_id = ${batch} ORDER BY src_row`);
        expect({ format, rows: got }).toMatchObject({ format, rows: c.stored });
        const q = await queryRows<{ field: string; reason: string; src_row: number }>(db, `SELECT field, reason, src_row FROM quarantine WHERE batch_id = ${batch} ORDER BY src_row`);
        expect({ format, q: q.map(({ field, reason }) => ({ field, reason })) }).toEqual({ format, q: c.bad.map(({ field, reason }) => ({ field, reason })) });
        for (const r of q) expect(quarantineReasonLabel(r.reason)).toMatch(/[\u4e00-\u9fff]/);
      }
      const status = await storeStatus(db);
      const mine = status.feeds.find((f) => f.feed === feed)!;
      expect(mine).toMatchObject({ batches: 5, failedBatches: 0, rows: 5 * c.good.length, quarantined: 5 * c.bad.length });
      for (const code of c.findings ?? []) {
        expect(mine.findings[code]).toBe(5);
        expect(findingLabel(code)).toMatch(/[\u4e00-\u9fff]/);
      }
      expect(FEED_LABELS[feed]).toMatch(/[\u4e00-\u9fff]/);
      // `bidui status`: the feed by its Chinese name, each quarantine reason and finding in Chinese.
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
      try {
        printStatus(status);
      } finally {
        spy.mockRestore();
      }
      const printed = lines.join('\n');
      expect(printed).toContain(FEED_LABELS[feed]);
      for (const b of c.bad) expect(printed).toContain(quarantineReasonLabel(b.reason));
      for (const code of c.findings ?? []) expect(printed).toContain(findingLabel(code));
    });
  }

  it('a source with "feed": "court" and its own header aliases is accepted and read', async () => {
    writeFile(inbox, 'fayuan/2026q3.csv', `当事人,身份证号,裁判结果,裁判日期\n张三,${ADULT_M},宣告死亡,2026-07-01\n`);
    const custom = loadConfig(undefined, {
      database: ':memory:',
      inbox,
      sources: [{ name: 'court-nanshan', feed: 'court', path: 'fayuan', headerAliases: { name: ['当事人'], judgment_type: ['裁判结果'] } }],
    });
    const [report] = await ingestInbox(db, custom);
    expect(report).toMatchObject({ feed: 'court', source: 'court-nanshan', status: 'loaded', rowsLoaded: 1 });
    const [r] = await queryRows(db, `SELECT name, judgment_type, judgment_date FROM feed_court`);
    expect(r).toEqual({ name: '张三', judgment_type: 'DECLARED_DEAD', judgment_date: '2026-07-01' });
  });

  it('a file without the required column fails with the Chinese header named', async () => {
    writeFile(inbox, 'hiv/no-date.csv', `姓名,身份证号\n孙小七,${CHILD}\n`);
    const [report] = await ingestInbox(db, cfg);
    expect(report!.status).toBe('failed');
    expect(report!.error).toMatch(/confirm_date \(确诊日期/);
  });
});
