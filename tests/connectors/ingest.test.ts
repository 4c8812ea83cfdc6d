import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { ingestInbox, storeStatus } from '../../connectors/index.js';
import { normalizeName } from '../../pipeline/identity/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const ID_A = makeId('440305', '20120315', '123'); // male child, Shenzhen Nanshan
const ID_B = makeId('440305', '19800101', '224'); // female adult

let inbox: string;
let cfg: Config;
let db: Db;

beforeEach(async () => {
  inbox = tempDir();
  cfg = loadConfig(undefined, { database: ':memory:', inbox });
  db = await openStore(':memory:');
});

const rows = <T = Record<string, unknown>>(sql: string) => queryRows<T>(db, sql);

describe('ingest', () => {
  it('reads a GB18030 CSV with Chinese headers and records the encoding', async () => {
    const csv = `姓名,公民身份号码,性别,死亡日期,数据来源,记录编号\n陈欣怡,${ID_A},男,2024年3月1日,公安,D-1\n`;
    writeFile(inbox, 'death/gongan.csv', iconv.encode(csv, 'gb18030'));
    const [report] = await ingestInbox(db, cfg);
    expect(report).toMatchObject({ status: 'loaded', rowsLoaded: 1, rowsQuarantined: 0 });
    const [batch] = await rows<{ encoding: string }>('SELECT encoding FROM ingest_batches');
    expect(batch!.encoding).toBe('gb18030');
    const [r] = await rows<Record<string, unknown>>('SELECT t.*, nf.pinyin AS name_pinyin FROM feed_death t LEFT JOIN name_forms nf ON nf.name = t.name');
    expect(r).toMatchObject({ name: '陈欣怡', name_pinyin: 'chenxinyi', id_number: ID_A, id_number_valid: true, gender: 'M', death_date: '2024-03-01', source: '公安', record_id: 'D-1', birth_date: '2012-03-15' });
  });

  it('reads UTF-8 CSV with a BOM and config header aliases', async () => {
    writeFile(inbox, 'death/a.csv', `\uFEFF死者姓名,身份证号,死亡时间\n李雷,${ID_B},2024-05-06\n`);
    const custom = loadConfig(undefined, {
      database: ':memory:',
      inbox,
      sources: [{ name: 'death-weijian', feed: 'death', path: 'death', headerAliases: { name: ['死者姓名'], death_date: ['死亡时间'] } }],
    });
    const [report] = await ingestInbox(db, custom);
    expect(report).toMatchObject({ status: 'loaded', rowsLoaded: 1 });
    const [r] = await rows<{ name: string; death_date: string }>('SELECT name, death_date FROM feed_death');
    expect(r).toEqual({ name: '李雷', death_date: '2024-05-06' });
  });

  it('reads XLSX: Chinese headers, date cells, and a numeric ID cell reported as damaged', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('学籍');
    ws.addRow(['姓名', '身份证号', '学校名称', '学段', '学籍状态', '数据日期', '监护人一姓名', '监护人一身份证号', '监护人一关系']);
    ws.addRow(['王小明', ID_A, '南山实验小学', '小学', '在读', new Date(Date.UTC(2026, 8, 1)), '王大明', ID_B, '父亲']);
    ws.addRow(['赵小红', 440305201203151230, '南山实验小学', '小学', '辍学', 46266 /* serial date: 2026-09-01 */, '', '', '']);
    const path = join(inbox, 'enrollment', 'xueji.xlsx');
    writeFile(inbox, 'enrollment/.keep', '');
    await wb.xlsx.writeFile(path);
    const [report] = await ingestInbox(db, cfg);
    expect(report).toMatchObject({ status: 'loaded', rowsRead: 2, rowsLoaded: 2 });
    const got = await rows<Record<string, unknown>>(
      'SELECT src_row, src_line, name, id_number, id_number_damaged, id_number_issues, level, status, as_of, guardian1_name, guardian1_relation FROM feed_enrollment ORDER BY src_row',
    );
    expect(got[0]).toMatchObject({ src_row: 1, src_line: 2, id_number: ID_A, level: 'PRIMARY', status: 'ENROLLED', as_of: '2026-09-01', guardian1_name: '王大明', guardian1_relation: 'FATHER' });
    expect(got[1]).toMatchObject({ src_line: 3, id_number: null, id_number_damaged: true, status: 'DROPPED_OUT', as_of: '2026-09-01' });
    expect(got[1]!.id_number_issues).toContain('NUMERIC_CELL');
    const findings = await rows<{ code: string }>(`SELECT code FROM findings WHERE src_row = 2`);
    expect(findings.map((f) => f.code)).toContain('NUMERIC_CELL');
  });

  it('reads XLSX text whose Chinese characters straddle the 16 KiB chunks of the archive: none garbled, no row quarantined', async () => {
    // exceljs 4.4's streaming reader decoded each chunk on its own: "2021年8月7日" came back "2021���8月7日".
    const digits = '零一二三四五六七八九';
    const cn = (n: number) => String(n).replace(/\d/g, (d) => digits[Number(d)]!);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('死亡');
    ws.addRow(['姓名', '身份证号', '死亡日期', '数据来源', '记录编号']);
    const n = 3000;
    const expected: { name: string; date: string }[] = [];
    for (let i = 0; i < n; i++) {
      const name = `陈${cn(i)}欣`;
      const [m, d] = [1 + (i % 12), 1 + (i % 28)];
      expected.push({ name, date: `2024-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` });
      ws.addRow([name, '', `2024年${m}月${d}日`, `公安户籍注销${cn(i % 97)}`, `D-${i}`]);
    }
    writeFile(inbox, 'death/.keep', '');
    await wb.xlsx.writeFile(join(inbox, 'death', 'siwang.xlsx'));
    const [report] = await ingestInbox(db, cfg);
    expect(report).toMatchObject({ status: 'loaded', rowsRead: n, rowsLoaded: n, rowsQuarantined: 0 });
    const got = await rows<{ name: string; death_date: string; source: string }>('SELECT name, CAST(death_date AS VARCHAR) AS death_date, source FROM feed_death ORDER BY src_row');
    expect(got.map((r) => ({ name: r.name, date: r.death_date }))).toEqual(expected);
    expect(got.filter((r) => r.source.includes('\uFFFD'))).toEqual([]);
  });

  it('reads JSON Lines with canonical keys; a number where the ID belongs is damage, an invalid line is quarantined', async () => {
    writeFile(
      inbox,
      'incarceration/sifa.jsonl',
      [
        JSON.stringify({ name: '孫八', id_number: ID_B, measure: '服刑在押', start_date: '20240101', end_date: '2026/1/1', record_id: 'P1', 监区: '三监区' }),
        `{"name":"周九","id_number":440305198001012240,"measure":"2","start_date":"2024-02-01"}`,
        'this is not json',
        JSON.stringify({ name: '吴十', id_number: ID_A, measure: '社区矫正', start_date: '2024.02.01' }),
      ].join('\n'),
    );
    const [report] = await ingestInbox(db, cfg);
    // "2" is not a measure code (measures have labels only): quarantined with the field named.
    expect(report).toMatchObject({ status: 'loaded', rowsRead: 4, rowsLoaded: 2, rowsQuarantined: 2 });
    const got = await rows<Record<string, unknown>>('SELECT src_line, name, measure, start_date, end_date, raw FROM feed_incarceration ORDER BY src_line');
    expect(got.map((g) => g.measure)).toEqual(['INCARCERATED', 'COMMUNITY_CORRECTION']);
    expect(got[0]).toMatchObject({ start_date: '2024-01-01', end_date: '2026-01-01' });
    expect(JSON.parse(got[0]!.raw as string)).toMatchObject({ 监区: '三监区' }); // unknown column kept as raw data
    const q = await rows<{ src_line: number; field: string | null; reason: string }>('SELECT src_line, field, reason FROM quarantine ORDER BY src_line');
    expect(q).toEqual([
      { src_line: 2, field: 'measure', reason: 'INVALID_CODE' },
      { src_line: 3, field: null, reason: 'UNREADABLE_LINE' },
    ]);
  });

  it('reads Parquet written by DuckDB; a numeric ID column is damage', async () => {
    const out = join(inbox, 'disability');
    writeFile(inbox, 'disability/.keep', '');
    await db.run(`COPY (SELECT '张伟' AS name, '${ID_A}' AS id_number, '${ID_A}41' AS certificate_no, '肢体' AS disability_type, '一级' AS level,
                        DATE '2020-05-01' AS issue_date, '有效' AS status
                  UNION ALL SELECT '刘洋', NULL, '${ID_B}52', '5', '2', DATE '2021-01-01', '注销') TO '${out}/cl.parquet' (FORMAT parquet)`);
    await db.run(`COPY (SELECT '黄磊' AS name, 440305198001012240::BIGINT AS id_number, '1' AS disability_type, '1' AS level) TO '${out}/numeric.parquet' (FORMAT parquet)`);
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded']);
    const got = await rows<Record<string, unknown>>('SELECT name, id_number, id_number_damaged, disability_type, level, issue_date, status FROM feed_disability ORDER BY name');
    expect(got).toContainEqual({ name: '张伟', id_number: ID_A, id_number_damaged: false, disability_type: '4', level: '1', issue_date: '2020-05-01', status: 'VALID' });
    // The ID comes from the certificate number when the ID column is empty.
    expect(got).toContainEqual(expect.objectContaining({ name: '刘洋', id_number: ID_B, disability_type: '5', status: 'CANCELLED' }));
    expect(got).toContainEqual(expect.objectContaining({ name: '黄磊', id_number: null, id_number_damaged: true }));
    const mismatch = await rows(`SELECT * FROM findings WHERE code = 'CERTIFICATE_TYPE_MISMATCH'`);
    expect(mismatch).toHaveLength(0);
  });

  it('quarantines bad rows with file, row, field and reason, and loads the good rows of the same file', async () => {
    writeFile(
      inbox,
      'death/mixed.csv',
      [
        '姓名,身份证号,死亡日期,性别',
        `甲,${ID_A},2024-01-01,男`,
        `乙,${ID_B},2023-02-29,女`, // no such date
        `丙,${ID_B},,女`, // required date missing
        `丁,${ID_B},2024-01-01,女,多余`, // too many columns
        `戊,${ID_B},2024-01-01,未知`, // bad gender code
        `己,${ID_A.slice(0, 15)}000,2024-01-01,男`, // spreadsheet zero tail
      ].join('\n'),
    );
    const [report] = await ingestInbox(db, cfg);
    expect(report).toMatchObject({ status: 'loaded', rowsRead: 6, rowsLoaded: 2, rowsQuarantined: 4 });
    const q = await rows<{ src_line: number; field: string | null; reason: string; detail: string }>(
      'SELECT src_line, field, reason, detail FROM quarantine ORDER BY src_line',
    );
    expect(q.map(({ src_line, field, reason }) => ({ src_line, field, reason }))).toEqual([
      { src_line: 3, field: 'death_date', reason: 'INVALID_DATE' },
      { src_line: 4, field: 'death_date', reason: 'MISSING_REQUIRED' },
      { src_line: 5, field: null, reason: 'UNREADABLE_LINE' },
      { src_line: 6, field: 'gender', reason: 'INVALID_CODE' },
    ]);
    expect(q[0]!.detail).toContain('2023-02-29');
    const loaded = await rows<{ name: string; id_number: string | null; id_number_issues: string[] }>(
      'SELECT name, id_number, id_number_issues FROM feed_death ORDER BY src_row',
    );
    expect(loaded.map((l) => l.name)).toEqual(['甲', '己']);
    expect(loaded[1]).toMatchObject({ id_number: null, id_number_issues: expect.arrayContaining(['ZERO_TAIL']) });
  });

  it('keeps the line each CSV record starts on across quoted line breaks and blank lines', async () => {
    writeFile(
      inbox,
      'death/m1.csv',
      ['姓名,身份证号,死亡日期', `甲,${ID_A},2024-01-01`, `"乙\n丙",${ID_B},2024-01-02`, '', `丁,${ID_A},2024-01-03`, '戊,x,y,z', `己,${ID_B},bad-date`, `庚,${ID_A},2024-01-04`].join('\n') + '\n',
    );
    // No rejected line, CRLF line ends, a line break inside a quoted cell, no newline at the end.
    writeFile(inbox, 'death/m2.csv', ['姓名,身份证号,死亡日期', `"辛\r\n壬",${ID_A},2024-02-01`, `癸,${ID_B},2024-02-02`].join('\r\n'));
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => [r.status, r.rowsLoaded, r.rowsQuarantined])).toEqual([
      ['loaded', 4, 2],
      ['loaded', 2, 0],
    ]);
    const got = await rows<{ batch_id: number; src_line: number; name: string }>('SELECT batch_id, src_line, name FROM feed_death ORDER BY batch_id, src_row');
    expect(got.map((r) => [r.batch_id, r.src_line, r.name])).toEqual([
      [1, 2, '甲'],
      [1, 3, '乙\n丙'],
      [1, 6, '丁'],
      [1, 9, '庚'],
      [2, 2, '辛\r\n壬'],
      [2, 4, '癸'],
    ]);
    const q = await rows<{ src_line: number; reason: string }>('SELECT src_line, reason FROM quarantine ORDER BY src_line');
    expect(q).toEqual([
      { src_line: 7, reason: 'UNREADABLE_LINE' },
      { src_line: 8, reason: 'UNRECOGNISED_FORMAT' },
    ]);
  });

  it('records an unreadable file as a failed batch and loses nothing else', async () => {
    writeFile(inbox, 'death/good.csv', `姓名,身份证号,死亡日期\n甲,${ID_A},2024-01-01\n`);
    writeFile(inbox, 'death/broken.xlsx', 'this is not a zip archive');
    writeFile(inbox, 'death/nodate.csv', `姓名,身份证号\n乙,${ID_B}\n`);
    writeFile(inbox, 'death/notes.docx', 'whatever');
    const reports = await ingestInbox(db, cfg);
    const byFile = Object.fromEntries(reports.map((r) => [r.file.split('/').pop(), r]));
    expect(byFile['good.csv']).toMatchObject({ status: 'loaded', rowsLoaded: 1 });
    expect(byFile['broken.xlsx']).toMatchObject({ status: 'failed' });
    expect(byFile['broken.xlsx']!.error).toMatch(/cannot read xlsx/);
    expect(byFile['nodate.csv']!.error).toMatch(/missing required column.*death_date.*死亡日期/);
    expect(byFile['notes.docx']!.error).toMatch(/unknown file type/);
    const status = await storeStatus(db);
    expect(status.feeds.find((f) => f.feed === 'death')).toMatchObject({ batches: 1, failedBatches: 3, rows: 1 });
  });

  it('ingests the same file once, even under another name', async () => {
    const content = `姓名,身份证号,死亡日期\n甲,${ID_A},2024-01-01\n`;
    writeFile(inbox, 'death/q1.csv', content);
    await ingestInbox(db, cfg);
    copyFileSync(join(inbox, 'death/q1.csv'), join(inbox, 'death/q1-copy.csv'));
    const second = await ingestInbox(db, cfg);
    expect(second.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    const [{ n }] = (await rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM feed_death')) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('loads the registry with parents and derives birth date and gender from the ID', async () => {
    writeFile(
      inbox,
      'registry/roster.csv',
      [
        '儿童编号,儿童姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,最后发放月份,父亲姓名,父亲身份证号,父亲情况,父亲情况起始日期,母亲姓名,母亲身份证号,母亲情况',
        `C1,王小明,${ID_A},,,440305001,事实无人抚养儿童,在保,2026-09,王大明,${ID_B},服刑在押,2023/5/1,李芳,,失联`,
        `C2,王小红,${ID_A},女,2012-03-16,440305,社会散居孤儿,停保,2026年8月,,,死亡,,,,死亡`,
      ].join('\n'),
    );
    const [report] = await ingestInbox(db, cfg);
    expect(report).toMatchObject({ status: 'loaded', rowsLoaded: 2 });
    const got = await rows<Record<string, unknown>>(
      'SELECT child_ref, gender, birth_date, region_code, region_code_county, category, category_subtype, status, last_paid_month, father_status, father_status_since, mother_status FROM feed_registry ORDER BY child_ref',
    );
    expect(got[0]).toEqual({ child_ref: 'C1', gender: 'M', birth_date: '2012-03-15', region_code: '440305001', region_code_county: '440305', category: 'DE_FACTO', category_subtype: null, status: 'ACTIVE', last_paid_month: '2026-09', father_status: 'INCARCERATED', father_status_since: '2023-05-01', mother_status: 'LOST_CONTACT' });
    expect(got[1]).toMatchObject({ category: 'ORPHAN', category_subtype: 'SCATTERED', status: 'STOPPED', last_paid_month: '2026-08' });
    const f = await rows<{ code: string }>(`SELECT code FROM findings ORDER BY code`);
    expect(f.map((x) => x.code)).toEqual(['BIRTH_DATE_CONTRADICTS_ID', 'GENDER_CONTRADICTS_ID']);
  });

  it('computes the forms of a name once for the store, whatever file or feed repeats it', async () => {
    writeFile(inbox, 'death/a.csv', `姓名,身份证号,死亡日期\n 欧阳·娜娜 ,${ID_A},2024-01-01\n陳欣怡,${ID_B},2024-01-02\n`);
    await ingestInbox(db, cfg);
    writeFile(inbox, 'death/b.csv', `姓名,身份证号,死亡日期\n陳欣怡,${ID_A},2024-02-01\n李雷,,2024-02-02\n`);
    writeFile(inbox, 'enrollment/c.csv', `姓名,学籍状态,监护人一姓名\n李雷,在读,欧阳·娜娜\n`);
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => r.status)).toEqual(['duplicate', 'loaded', 'loaded']);
    const forms = await rows<{ name: string; simplified: string; pinyin: string; surname: string }>(
      'SELECT name, simplified, pinyin, surname FROM name_forms ORDER BY name',
    );
    // The stored name is the trimmed cell; its forms are those of the identity module.
    expect(forms).toEqual(
      ['李雷', '欧阳·娜娜', '陳欣怡'].map((name) => {
        const f = normalizeName(name)!;
        return { name, simplified: f.simplified, pinyin: f.pinyin, surname: f.surname };
      }),
    );
    const joined = await rows<{ name: string; pinyin: string | null }>(
      'SELECT t.name, nf.pinyin FROM feed_enrollment t LEFT JOIN name_forms nf ON nf.name = t.guardian1_name',
    );
    expect(joined).toEqual([{ name: '李雷', pinyin: normalizeName('欧阳·娜娜')!.pinyin }]);
  });
  it('ingests two files at a time: batch ids follow the files, the same content loads once, a shared new name is added once', async () => {
    // d.csv and e.csv, ingested alongside each other, share 300 names the store has not seen.
    const shared = Array.from({ length: 300 }, (_, i) => `王${String.fromCodePoint(0x4e00 + i)}`);
    const file = (n: number, names: string[]) =>
      ['姓名,身份证号,死亡日期', ...names.map((name, i) => `${name},${ID_A},2024-01-${String((i % 28) + 1).padStart(2, '0')}`), `李${n},,2024-02-01`].join('\n');
    writeFile(inbox, 'death/a.csv', file(1, Array(300).fill('张三')));
    writeFile(inbox, 'death/b.csv', file(1, Array(300).fill('张三'))); // the content of a.csv, ingested alongside it
    writeFile(inbox, 'death/c.xlsx', 'not a spreadsheet');
    writeFile(inbox, 'death/d.csv', file(2, shared));
    writeFile(inbox, 'death/e.csv', file(3, shared));
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => [r.file.split('/').pop(), r.status])).toEqual([
      ['a.csv', 'loaded'],
      ['b.csv', 'duplicate'],
      ['c.xlsx', 'failed'],
      ['d.csv', 'loaded'],
      ['e.csv', 'loaded'],
    ]);
    expect(reports[1]!.batchId).toBe(reports[0]!.batchId);
    const batches = await rows<{ batch_id: number; file_name: string }>('SELECT batch_id, file_name FROM ingest_batches ORDER BY batch_id');
    expect(batches.map((b) => b.file_name)).toEqual(['a.csv', 'c.xlsx', 'd.csv', 'e.csv']);
    const names = await rows<{ name: string; n: number }>('SELECT name, count(*)::INTEGER AS n FROM name_forms GROUP BY name ORDER BY name');
    expect(names).toEqual(['张三', '李1', '李2', '李3', ...shared].sort().map((name) => ({ name, n: 1 })));
    const [{ n }] = (await rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM feed_death')) as [{ n: number }];
    expect(n).toBe(3 * 301);
  });

  it('batch ids follow the files even when a later file is hashed and registered first', async () => {
    // a.xlsx (40 MB, not a spreadsheet) takes far longer to hash than b.csv beside it.
    writeFile(inbox, 'death/a.xlsx', Buffer.alloc(40 * 1024 * 1024, 7));
    writeFile(inbox, 'death/b.csv', `姓名,身份证号,死亡日期\n李四,${ID_A},2024-01-02\n`);
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => [r.file.split('/').pop(), r.status, r.batchId])).toEqual([
      ['a.xlsx', 'failed', 1],
      ['b.csv', 'loaded', 2],
    ]);
  });

  it('a third copy of a file is a duplicate, also when the first copy failed', async () => {
    const csv = ['姓名,身份证号,死亡日期', ...Array.from({ length: 2000 }, (_, i) => `张${i},${ID_A},2024-01-02`)].join('\n');
    writeFile(inbox, 'death/a.bak', csv); // not a file type bidui reads: a failed batch
    writeFile(inbox, 'death/b.csv', csv);
    writeFile(inbox, 'death/c.csv', csv);
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => [r.file.split('/').pop(), r.status])).toEqual([
      ['a.bak', 'failed'],
      ['b.csv', 'loaded'],
      ['c.csv', 'duplicate'],
    ]);
    expect(reports[2]!.batchId).toBe(reports[1]!.batchId);
    const [{ n }] = (await rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM feed_death')) as [{ n: number }];
    expect(n).toBe(2000);
  });
});
