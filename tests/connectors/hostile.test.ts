// Issue 18 "hostile files": one test per item, each failing without its fix.
import { spawnSync } from 'node:child_process';
import { mkdirSync, watch, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { ingestInbox, storeStatus, workDirOf } from '../../connectors/index.js';
import { migrate, openDb, openStore, queryRows, recoverInterrupted, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ID_A = makeId('440305', '20120315', '123');
const ID_B = makeId('440305', '19800101', '224');
const ID_C = makeId('440306', '20140506', '331');

let dir: string;
let inbox: string;
let cfg: Config;
let db: Db;
beforeEach(async () => {
  dir = tempDir();
  inbox = join(dir, 'inbox');
  cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox });
  db = await openStore(cfg.database);
});
const rows = <T = Record<string, unknown>>(sql: string) => queryRows<T>(db, sql);

describe('1. one long name', () => {
  it('normalizeName of a 40,000-character name fits in a 256 MB heap (it took 4.2 GB)', () => {
    const script = `import { normalizeName } from './pipeline/identity/name.ts';
      const f = normalizeName('张' + '乐长行'.repeat(13333));
      console.log(f.pinyinAlts.length);`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr.slice(-500)).toBe(0);
    expect(r.stdout.trim()).toBe('8');
  });

  it('quarantines the row of an overlong name with a reason naming file, line and field; the file and the files after it load', async () => {
    writeFile(inbox, 'death/a.csv', `姓名,身份证号,死亡日期\n${'张' + '乐'.repeat(40_000)},${ID_A},2024-01-01\n李四,${ID_B},2024-01-02\n`);
    writeFile(inbox, 'death/b.csv', `姓名,身份证号,死亡日期\n王五,${ID_C},2024-01-03\n`);
    const reports = await ingestInbox(db, cfg);
    expect(reports.map((r) => [r.status, r.rowsLoaded, r.rowsQuarantined])).toEqual([
      ['loaded', 1, 1],
      ['loaded', 1, 0],
    ]);
    const [q] = await rows<{ src_line: number; field: string; reason: string; detail: string; raw: string }>('SELECT * FROM quarantine');
    expect(q).toMatchObject({ src_line: 2, field: 'name', reason: 'FIELD_TOO_LONG' });
    expect(q!.detail).toMatch(/a\.csv.*第 2 行.*姓名.*40001.*100/);
    expect(q!.raw.length).toBeLessThan(1000);
    // The name never reached name_forms.
    expect(await rows('SELECT name FROM name_forms WHERE length(name) > 100')).toEqual([]);
  });

  it('a file that failed is not read again until it changes, or until asked (--retry-failed)', async () => {
    writeFile(inbox, 'death/a.csv', `姓名,身份证号\n张三,${ID_A}\n`);
    const [first] = await ingestInbox(db, cfg);
    expect(first).toMatchObject({ status: 'failed' });
    const [again] = await ingestInbox(db, cfg);
    expect(again).toMatchObject({ status: 'failed', notRetried: true, batchId: first!.batchId });
    expect(again!.error).toMatch(/未重试/);
    const [retried] = await ingestInbox(db, cfg, { retryFailed: true });
    expect(retried!.notRetried).toBeUndefined();
    expect(retried!.batchId).not.toBe(first!.batchId);
    // A changed file, or a configuration that reads it otherwise, is a new attempt.
    const aliased = loadConfig(undefined, { database: cfg.database, inbox, sources: [{ name: 'd', feed: 'death', path: 'death', headerAliases: { death_date: ['身份证号'] } }] });
    const [other] = await ingestInbox(db, aliased);
    expect(other!.notRetried).toBeUndefined();
    writeFile(inbox, 'death/a.csv', `姓名,身份证号,死亡日期\n张三,${ID_A},2024-01-01\n`);
    const [fixed] = await ingestInbox(db, cfg);
    expect(fixed).toMatchObject({ status: 'loaded', rowsLoaded: 1 });
  });
});

describe('3. XLSX cell values', () => {
  it('reads cached formula results (0, text), rich text, hyperlinks, dates, booleans; quarantines error values and formulas without a value', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名册');
    ws.addRow(['儿童编号', '姓名', '身份证号', '保障类别', '保障状态', '纳入保障日期', '认定情形']);
    ws.addRow([{ formula: 'A1*0', result: 0 }, '甲', ID_A, '孤儿', '在保', new Date(Date.UTC(2024, 0, 2)), true]);
    ws.addRow([{ formula: 'NA()', result: { error: '#N/A' } }, '乙', ID_B, '孤儿', '在保', null, null]);
    ws.addRow([{ formula: 'Z99' }, '丙', ID_C, '孤儿', '在保', null, null]);
    ws.addRow([{ error: '#REF!' }, '丁', makeId('440305', '20100101', '011'), '孤儿', '在保', null, null]);
    ws.addRow([
      { formula: 'CONCAT("R","7")', result: 'R7' },
      { richText: [{ text: '王' }, { font: { bold: true }, text: '小明' }] },
      makeId('440305', '20110101', '015'),
      { text: '孤儿', hyperlink: 'http://example.invalid' },
      '在保',
      null,
      { text: { richText: [{ text: '父母双亡' }] }, hyperlink: 'http://x.invalid' },
    ] as ExcelJS.CellValue[]);
    mkdirSync(join(inbox, 'registry'), { recursive: true });
    await wb.xlsx.writeFile(join(inbox, 'registry', 'roll.xlsx'));
    const [r] = await ingestInbox(db, cfg);
    expect(r).toMatchObject({ status: 'loaded', rowsLoaded: 2, rowsQuarantined: 3 });
    const stored = await rows<{ child_ref: string; name: string; start_date: string | null; basis: string | null; category: string }>(
      'SELECT child_ref, name, start_date, basis, category FROM feed_registry ORDER BY src_row',
    );
    expect(stored).toEqual([
      { child_ref: '0', name: '甲', start_date: '2024-01-02', basis: 'TRUE', category: 'ORPHAN' },
      { child_ref: 'R7', name: '王小明', start_date: null, basis: '父母双亡', category: 'ORPHAN' },
    ]);
    const q = await rows<{ src_line: number; field: string; reason: string; detail: string }>('SELECT src_line, field, reason, detail FROM quarantine ORDER BY src_line');
    expect(q.map((x) => [x.src_line, x.field, x.reason])).toEqual([
      [3, 'child_ref', 'CELL_ERROR'],
      [4, 'child_ref', 'CELL_ERROR'],
      [5, 'child_ref', 'CELL_ERROR'],
    ]);
    expect(q[0]!.detail).toMatch(/roll\.xlsx.*第 3 行.*儿童编号.*错误值/);
    expect(q[1]!.detail).toMatch(/没有保存计算结果/);
    expect(await rows(`SELECT 1 FROM feed_registry WHERE raw::VARCHAR LIKE '%object Object%'`)).toEqual([]);
  });

  it('fails a truncated workbook and a zip bomb before reading them', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('s').addRow(['姓名', '身份证号', '死亡日期']);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    writeFile(inbox, 'death/cut.xlsx', buf.subarray(0, buf.length - 200));
    const reports = await ingestInbox(db, cfg);
    expect(reports[0]).toMatchObject({ status: 'failed' });
    expect(reports[0]!.error).toMatch(/XLSX 文件不完整或已损坏/);
  });
});

describe('5. no personal data in a failure message', () => {
  it('a header-less file: the reason does not quote its first record', async () => {
    writeFile(inbox, 'death/noheader.csv', `张三,${ID_A},2024-01-01\n李四,${ID_B},2024-01-02\n`);
    const [r] = await ingestInbox(db, cfg);
    expect(r!.status).toBe('failed');
    expect(r!.error).toMatch(/缺少必需列/);
    expect(r!.error).toMatch(/没有一列与 FEEDS\.md 的表头相符/);
    const [b] = await rows<{ error: string }>('SELECT error FROM ingest_batches');
    const status = await storeStatus(db);
    for (const text of [r!.error!, b!.error, JSON.stringify(status)]) {
      expect(text).not.toContain(ID_A);
      expect(text).not.toContain(ID_A.slice(6, 14));
      expect(text).not.toContain('张三');
    }
  });
});

describe('7. leftovers after a crash', () => {
  it('a batch left loading by a process that died is failed when the store is next opened, shown by status, and not retried', async () => {
    const path = join(tempDir(), 'crashed.duckdb');
    const raw = await openDb(path);
    await migrate(raw);
    await raw.run(
      `INSERT INTO ingest_batches (feed, source, file_name, file_path, file_size, content_hash, status, started_at, attempt_key) VALUES ('death', 'death', 'x.csv', '/x.csv', 1, 'h', 'loading', now(), 'k')`,
    );
    expect(await recoverInterrupted(raw, path)).toBe(1);
    const status = await storeStatus(raw);
    expect(status.feeds.find((f) => f.feed === 'death')!.failedBatches).toBe(1);
    expect(status.batches[0]).toMatchObject({ status: 'failed' });
    expect(status.batches[0]!.error).toMatch(/载入中断/);
  });

  it('temporary copies of input files go to the work folder inside the data folder, which is emptied on start and after the run', async () => {
    const work = workDirOf(cfg);
    expect(work.startsWith(dir)).toBe(true);
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'tmp-1234-leftover'), `${ID_A}\n`); // a spool a crashed run left
    const seen: string[] = [];
    const watcher = watch(work, (_e: string, name: string | null) => void (name && seen.push(name)));
    try {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('s').addRows([['姓名', '身份证号', '死亡日期'], ['张三', ID_A, '2024-01-01']]);
      mkdirSync(join(inbox, 'death'), { recursive: true });
      await wb.xlsx.writeFile(join(inbox, 'death', 'a.xlsx'));
      writeFile(inbox, 'death/b.csv', iconv.encode(`姓名,身份证号,死亡日期\n李四,${ID_B},2024-01-02\n`, 'gb18030'));
      const reports = await ingestInbox(db, cfg);
      expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded']);
    } finally {
      watcher.close();
    }
    // The GB18030 file was transcoded in the work folder and removed. The sheet, stored before the shared strings
    // (exceljs's writer does), was read as it came, its shared strings read first: exceljs spooled no copy of it.
    expect(seen.some((n) => n.startsWith('tmp-') && n !== 'tmp-1234-leftover')).toBe(false);
    expect(seen.some((n) => n.startsWith('bidui-') && n.endsWith('.csv'))).toBe(true);
    expect(spawnSync('ls', ['-A', work], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });
});

describe('8. encodings and future dates', () => {
  it('a Latin-1 file fails with its encoding named instead of loading garbled names', async () => {
    writeFile(inbox, 'death/latin.csv', Buffer.concat([Buffer.from('name,id_number,death_date\n'), iconv.encode(`José Müller,${ID_A},2024-01-01\nRenée Gonçalves,${ID_B},2024-01-02\n`, 'latin1')]));
    const [r] = await ingestInbox(db, cfg);
    expect(r!.status).toBe('failed');
    expect(r!.error).toMatch(/文件编码无法识别.*Latin-1/);
    expect(r!.error).not.toContain(ID_A);
  });

  it('UTF-8 with a GBK line mixed in fails as mixed encoding, naming the line, not as missing columns', async () => {
    const good = `姓名,身份证号,死亡日期\n张三,${ID_A},2024-01-01\n李四,${ID_B},2024-01-02\n王五,${ID_C},2024-01-03\n`;
    writeFile(inbox, 'death/mixed.csv', Buffer.concat([Buffer.from(good), iconv.encode(`赵六,${ID_A},2024-01-04\n`, 'gbk')]));
    const [r] = await ingestInbox(db, cfg);
    expect(r!.status).toBe('failed');
    expect(r!.error).toMatch(/文件编码混杂.*第 5 行/);
    expect(r!.error).not.toMatch(/missing required/);
  });

  it('future dates load with a FUTURE_DATE finding (a death in 9999, a birth in 2030); an expected end date does not', async () => {
    writeFile(inbox, 'death/d.csv', `姓名,身份证号,出生日期,死亡日期\n张三,${ID_A},2012-03-15,9999-12-31\n李四,,2030-01-01,2024-01-02\n王五,${ID_C},2014-05-06,2024-01-03\n`);
    writeFile(inbox, 'incarceration/i.csv', `姓名,身份证号,措施类型,起始日期,预计结束日期\n赵六,${ID_B},服刑在押,2024-01-01,2031-01-01\n`);
    await ingestInbox(db, cfg);
    const f = await rows<{ src_line: number; field: string; code: string }>(`SELECT src_line, field, code FROM findings WHERE code = 'FUTURE_DATE' ORDER BY src_line, field`);
    expect(f).toEqual([
      { src_line: 2, field: 'death_date', code: 'FUTURE_DATE' },
      { src_line: 3, field: 'birth_date', code: 'FUTURE_DATE' },
    ]);
  });
});
