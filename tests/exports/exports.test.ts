import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportEducation, exportFlags, exportNational, exportSummary, loadTemplate, EDUCATION_COLUMNS, type ExportResult } from '../../exports/index.js';
import { openStore, queryRows, lit, type Db } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { IDS, insertDecision, insertRun, RUN, seed } from '../review/fixture.js';
import { makeId } from '../helpers.js';
import { seedRoster } from './roster.js';

/** The national default template's headers (national-v2: v1's 15 columns, then the overpaid amount). */
const NATIONAL_HEADERS = loadTemplate(null, 'national').columns.map((c) => c.header);

let db: Db;
let out: string;
beforeAll(async () => {
  db = await openStore(':memory:');
  await seed(db);
  out = tempDir('bidui-exports-');
});

async function readSheet(path: string, name?: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const ws = name ? wb.getWorksheet(name)! : wb.worksheets[0]!;
  const rows: ExcelJS.Row[] = [];
  ws.eachRow((r) => rows.push(r));
  return { wb, ws, rows, header: (rows[0]!.values as unknown[]).slice(1) };
}

function decodeGb18030(path: string) {
  const bytes = readFileSync(path);
  return { bytes, text: iconv.decode(bytes, 'gb18030') };
}

async function auditRows(target: string) {
  return queryRows<{ actor: string; action: string; run_id: string; rows: number; detail: string }>(db, `SELECT * FROM audit_log WHERE target = ${lit(target)}`);
}

async function expectAudited(result: ExportResult, by: string) {
  for (const f of result.files) {
    const a = await auditRows(f.path);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: by, action: 'export', run_id: RUN, rows: f.rows });
    expect(JSON.parse(a[0]!.detail)).toMatchObject({ kind: result.kind, templateVersion: result.templateVersion, format: f.format });
  }
}

describe('national template export', () => {
  let result: ExportResult;
  let unapproved: ExportResult;
  beforeAll(async () => {
    unapproved = await exportNational(db, { outDir: join(out, 'before-approval'), by: '导出员' });
    // Four-eyes: the confirmed REMOVE goes to the national file only once a supervisor approved it.
    await insertDecision(db, 'F-REM-1', 'approved', '主管丙', '2026-10-14 09:00:00');
    // With the need-to-know grant: the real reasons (PARENT_RELEASED) as they are (tests/exports/need-to-know.test.ts: without it).
    result = await exportNational(db, { outDir: out, by: '导出员', needToKnow: true });
  });

  it('leaves out a confirmed REMOVE until a supervisor approved it', async () => {
    expect(unapproved.files.map((f) => f.rows)).toEqual([2, 2]);
    const { rows, header } = await readSheet(unapproved.files[0]!.path);
    expect(rows.slice(1).map((r) => r.getCell(header.indexOf('标记编号') + 1).value)).toEqual(['F-ADD-1', 'F-RCL-1']);
  });

  it('names the files by run and county and audits each with its row count', async () => {
    expect(result.runId).toBe(RUN); // the latest complete run by default
    expect(result.files.map((f) => basename(f.path))).toEqual([`全国儿童福利信息系统_变动_${RUN}_全部.xlsx`, `全国儿童福利信息系统_变动_${RUN}_全部_系统导入.csv`]);
    expect(result.files.map((f) => f.purpose)).toEqual(['people', 'import']);
    expect(result.templateVersion).toBe('national-v2');
    expect(result.files.map((f) => f.rows)).toEqual([3, 3]);
    await expectAudited(result, '导出员');
  });

  it('XLSX: Chinese headers, bold frozen header, ID numbers as 18-character text, only confirmed changes', async () => {
    const { wb, ws, rows, header } = await readSheet(result.files[0]!.path);
    expect(header).toEqual(NATIONAL_HEADERS);
    expect(header.at(-1)).toBe('多发金额（元）');
    expect(header).toContain('变动类型');
    expect(header).toContain('户籍地区划代码');
    expect(rows[0]!.font?.bold).toBe(true);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const col = (h: string) => header.indexOf(h) + 1;
    const data = rows.slice(1);
    expect(data.map((r) => r.getCell(col('标记编号')).value)).toEqual(['F-ADD-1', 'F-REM-1', 'F-RCL-1']);
    expect(data.map((r) => r.getCell(col('变动类型')).value)).toEqual(['新增', '退出', '类别变更']);
    for (const r of data) {
      const cell = r.getCell(col('身份证号'));
      expect(typeof cell.value).toBe('string');
      expect(cell.value as string).toHaveLength(18);
      expect(cell.numFmt).toBe('@');
      expect(r.getCell(col('户籍地区划代码')).type).toBe(ExcelJS.ValueType.String);
    }
    const [add, remove, reclassify] = data;
    expect(add!.getCell(col('身份证号')).value).toBe(IDS.add1);
    expect(add!.getCell(col('性别')).value).toBe('男');
    expect(add!.getCell(col('出生日期')).value).toBe('2015-03-12');
    expect(add!.getCell(col('保障类别')).value).toBe('事实无人抚养儿童');
    expect(add!.getCell(col('变动原因')).value).toBe('父母符合事实无人抚养情形');
    expect(add!.getCell(col('审核人')).value).toBe('审核员甲');
    expect(add!.getCell(col('审核日期')).value).toBe('2026-10-11');
    expect(remove!.getCell(col('多发月数')).value).toBe(2);
    expect(remove!.getCell(col('生效日期')).value).toBe('2026-08-01');
    expect(remove!.getCell(col('审核人')).value).toBe('主管丙');
    expect(remove!.getCell(col('变动原因')).value).toBe('父母刑满释放或解除限制人身自由');
    expect(reclassify!.getCell(col('原保障类别')).value).toBe('留守儿童');
    expect(reclassify!.getCell(col('比对批次')).value).toBe(RUN);
    const notes = wb.getWorksheet('说明')!;
    const noteText = JSON.stringify(notes.getSheetValues());
    expect(noteText).toContain('national-v2');
    expect(noteText).toContain(RUN);
  });

  it('GB18030 CSV: same headers and rows, CRLF, not valid UTF-8', async () => {
    const { bytes, text } = decodeGb18030(result.files[1]!.path);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.split('\r\n').slice(0, -1);
    expect(lines.some((l) => l.includes('\n'))).toBe(false);
    expect(lines[0]!.split(',')).toEqual(NATIONAL_HEADERS);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(IDS.add1);
    expect(lines[1]).toContain('张小明');
  });

  it('filters by county and names the file after it', async () => {
    const r = await exportNational(db, { outDir: out, by: 'u', county: '440305' });
    expect(basename(r.files[0]!.path)).toBe(`全国儿童福利信息系统_变动_${RUN}_440305.xlsx`);
    expect(r.files[0]!.rows).toBe(2);
    await expect(exportNational(db, { outDir: out, by: 'u', county: '44x' })).rejects.toThrow(/区划代码/);
    await expect(exportNational(db, { outDir: out, by: '' })).rejects.toThrow(/导出人/);
    await expect(exportNational(db, { outDir: out, by: 'u', runId: 'Q1999-12-31' })).rejects.toThrow(/找不到比对批次/);
  });
});

describe('education bureau list', () => {
  // The run's as-of is 2026-09-30: ages count on 2026-08-31 (RULES.md, education.ageReferenceDay), 6 to 15.
  const K = {
    s1: makeId('440305', '20160101', '201'),
    six: makeId('440305', '20200831', '212'), // 6 on 2026-08-31: in
    five: makeId('440305', '20200901', '223'), // 5 on 2026-08-31: out
    fifteen: makeId('440306', '20100901', '234'), // 15: in
    sixteen: makeId('440306', '20100831', '245'), // 16: out
    stopped: makeId('440305', '20150101', '256'),
    left: makeId('440305', '20140101', '267'), // active earlier, stopped in the latest roster
  };
  beforeAll(async () => {
    await seedRoster(db, [
      { ref: 'E1', name: '郑浩', id: IDS.edu1, county: '440305', category: 'LEFT_BEHIND',
        school: [{ status: 'DROPPED_OUT', level: 'JUNIOR', grade: '七年级', school: '南山区第一实验学校', code: '2440305001', asOf: '2026-09-01', guardian1: ['郑大', 'GRANDFATHER'] }] },
      { ref: 'E2', name: '冯雪', id: IDS.edu2, county: '440306', category: 'ORPHAN' },
      { ref: 'S1', name: '钱多', id: K.s1, county: '440305', category: 'DE_FACTO', school: [
        { status: 'ENROLLED', level: 'PRIMARY', grade: '三年级', school: '旧学校', code: '1', asOf: '2025-09-01' },
        { status: 'ENROLLED', level: 'PRIMARY', grade: '四年级', school: '南山区第二小学', code: '2440305002', asOf: '2026-09-10', guardian1: ['钱父', 'FATHER'], guardian2: ['李母', 'MOTHER'] },
        { status: 'ENROLLED', level: 'PRIMARY', grade: '五年级', school: '将来的学校', code: '3', asOf: '2026-12-01' },
      ] },
      { ref: 'A6', name: '六岁', id: K.six, county: '440305', category: 'ORPHAN' },
      { ref: 'A5', name: '五岁', id: K.five, county: '440305', category: 'ORPHAN' },
      { ref: 'A15', name: '十五', id: K.fifteen, county: '440306', category: 'ORPHAN' },
      { ref: 'A16', name: '十六', id: K.sixteen, county: '440306', category: 'ORPHAN' },
      { ref: 'ST', name: '停保', id: K.stopped, county: '440305', category: 'ORPHAN', status: 'STOPPED' },
      { ref: 'LF', name: '已停', id: K.left, county: '440305', category: 'ORPHAN', status: 'STOPPED', earlier: { status: 'ACTIVE' } },
    ]);
  });

  it('lists every active registered child of compulsory-school age with the latest school record and the EDUCATION flag', async () => {
    const r = await exportEducation(db, { outDir: out, by: '导出员' });
    expect(r.files.map((f) => basename(f.path))).toEqual([`义务教育适龄儿童名单_${RUN}_全部.xlsx`, `义务教育适龄儿童名单_${RUN}_全部_系统导入.csv`]);
    const { rows, header } = await readSheet(r.files[0]!.path);
    expect(header).toEqual(EDUCATION_COLUMNS.map((c) => c.header));
    const data = rows.slice(1).map((row) => Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value])));
    expect(data.map((d) => d['姓名']).sort()).toEqual(['六岁', '冯雪', '十五', '郑浩', '钱多'].sort());
    expect(r.files.map((f) => f.rows)).toEqual([5, 5]);
    const by = (name: string) => data.find((d) => d['姓名'] === name)!;
    expect(by('郑浩')).toMatchObject({ 身份证号: IDS.edu1, 年龄: 13, 学籍状态: '辍学', 学段: '初中', 年级: '七年级', 学校名称: '南山区第一实验学校', 监护人一: '郑大', 监护人一关系: '祖父', 控辍保学情形: '辍学', 标记审核状态: '待审核', 标记编号: 'F-EDU-1' });
    expect(by('冯雪')).toMatchObject({ 学籍状态: '无学籍记录', 学校名称: null, 控辍保学情形: '未入学', 标记审核状态: '待补充材料', 标记编号: 'F-EDU-2', 保障类别: '孤儿' });
    // The latest record at T: not the older one, not one dated after T.
    expect(by('钱多')).toMatchObject({ 学段: '小学', 年级: '四年级', 学校名称: '南山区第二小学', 学校标识码: '2440305002', 学籍数据日期: '2026-09-10', 监护人一: '钱父', 监护人一关系: '父亲', 监护人二: '李母', 监护人二关系: '母亲', 控辍保学情形: null, 标记编号: null });
    expect(by('六岁')['年龄']).toBe(6);
    expect(by('十五')['年龄']).toBe(15);
    for (const row of rows.slice(1)) {
      const id = row.getCell(header.indexOf('身份证号') + 1);
      expect(id.type).toBe(ExcelJS.ValueType.String);
      expect(id.numFmt).toBe('@');
    }
    const { bytes, text } = decodeGb18030(r.files[1]!.path);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(text.split('\r\n')[0]!.split(',')).toEqual(EDUCATION_COLUMNS.map((c) => c.header));
    expect(text).toContain(`,${IDS.edu1},`); // plain 18 characters for the importer
    await expectAudited(r, '导出员');
    const county = await exportEducation(db, { outDir: join(out, 'edu-county'), by: '导出员', county: '440306' });
    expect(county.files[0]!.rows).toBe(2); // 冯雪, 十五
  });
});

describe('analyst export', () => {
  it('writes Parquet that DuckDB reads back and an Arrow IPC file apache-arrow reads back', async () => {
    const r = await exportFlags(db, { outDir: out, by: 'analyst', needToKnow: true }); // incarceration evidence as it is: the grant
    const [parquet, arrow] = r.files;
    expect(parquet!.rows).toBe(11);
    const [{ n, ids }] = (await queryRows<{ n: number; ids: number }>(
      db,
      `SELECT count(*)::INT AS n, count(DISTINCT child_id_number)::INT AS ids FROM read_parquet(${lit(parquet!.path)})`,
    )) as [{ n: number; ids: number }];
    expect(n).toBe(11);
    expect(ids).toBe(11);
    const [rem] = await queryRows<{ decision: string; overpaid_months: number; effective_from: string }>(
      db,
      `SELECT decision, overpaid_months, CAST(effective_from AS VARCHAR) AS effective_from FROM read_parquet(${lit(parquet!.path)}) WHERE flag_id = 'F-REM-1'`,
    );
    expect(rem).toEqual({ decision: 'approved', overpaid_months: 2, effective_from: '2026-08-01' });

    const table = tableFromIPC(readFileSync(arrow!.path));
    expect(table.numRows).toBe(11);
    expect(arrow!.rows).toBe(11);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({ child_id_number: 'Utf8', overpaid_months: 'Int32', effective_from: 'Date32<DAY>', evidence: 'Utf8', decided_by: 'Utf8', decided_at: 'Timestamp<MILLISECOND>', priority: 'Int32', score: 'Float64' });
    const row = table.toArray().find((x) => x.flag_id === 'F-ADD-1')!.toJSON();
    expect(row.child_id_number).toBe(IDS.add1);
    expect(row.decision).toBe('confirmed');
    expect(new Date(row.decided_at as number).toISOString()).toBe('2026-10-11T10:00:00.000Z');
    expect(JSON.parse(row.evidence as string)[0]).toMatchObject({ feed: 'incarceration', record_id: 'J-1' });
    await expectAudited(r, 'analyst');
  });
});

describe('quarterly summary', () => {
  it('writes the sheets with counts by type, category and county, decisions made and pending', async () => {
    const r = await exportSummary(db, { outDir: out, by: '科长' });
    expect(r.files.map((f) => basename(f.path))).toEqual([`季度比对报告_${RUN}_全部.xlsx`, `季度比对报告_${RUN}_全部.pdf`]);
    expect(r.files[0]!.rows).toBe(11);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(r.files[0]!.path);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['按标记类型', '按保障类别', '按区县', '逾期标记', '数据质量', '历史趋势', '说明']);

    const { rows, header } = await readSheet(r.files[0]!.path, '按标记类型');
    const byType = Object.fromEntries(rows.slice(1).map((row) => [row.getCell(1).value as string, Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value]))]));
    expect(byType['应退未退']).toMatchObject({ 标记数: 2, 已确认: 1, 待主管复核: 0, 已驳回: 1, 待审核: 0 });
    expect(byType['疑似保障对象']).toMatchObject({ 标记数: 3, 已确认: 1, 待补充材料: 1, 待审核: 1 });
    expect(byType['合计']).toMatchObject({ 标记数: 11, 已确认: 5, 已驳回: 2, 待补充材料: 2, 待审核: 2 });

    const county = await readSheet(r.files[0]!.path, '按区县');
    const nanshan = county.rows.find((row) => row.getCell(1).value === '440305')!;
    expect(nanshan.getCell(2).value).toBe('南山区');
    expect(nanshan.getCell(county.header.indexOf('合计') + 1).value).toBe(6);
    expect(county.rows.find((row) => row.getCell(1).value === '440305')!.getCell(1).type).toBe(ExcelJS.ValueType.String);

    const cat = await readSheet(r.files[0]!.path, '按保障类别');
    expect(cat.rows.map((row) => row.getCell(1).value)).toContain('事实无人抚养儿童');

    const notes = JSON.stringify(wb.getWorksheet('说明')!.getSheetValues());
    for (const s of ['2026-09-30', '2026-09-30 08:00:00', 'national（自定义）', '深圳市']) expect(notes).toContain(s);
    await expectAudited(r, '科长');
  });

  it('counts a REMOVE a reviewer confirmed as 待主管复核, not 已确认, until a supervisor approves it (one status model)', async () => {
    // F-REM-2 was rejected; a later confirmation puts it before the supervisor.
    await insertDecision(db, 'F-REM-2', 'confirmed', '审核员丁', '2026-10-20 09:00:00');
    const r = await exportSummary(db, { outDir: join(out, 'awaiting'), by: '科长' });
    const { rows, header } = await readSheet(r.files[0]!.path, '按标记类型');
    const byType = Object.fromEntries(rows.slice(1).map((row) => [row.getCell(1).value as string, Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value]))]));
    expect(byType['应退未退']).toMatchObject({ 标记数: 2, 已确认: 1, 待主管复核: 1, 已驳回: 0 });
  });

  it('totals the money paid since each REMOVE took effect, per county and in all', async () => {
    await db.run(`UPDATE sealed_flags SET overpaid_amount = 1800 WHERE flag_id = 'F-REM-1'`); // 440305, 2 months at 900 元
    await db.run(`UPDATE sealed_flags SET overpaid_amount = 4200 WHERE flag_id = 'F-REM-2'`); // 440306, 3 months at 1400 元
    const r = await exportSummary(db, { outDir: join(out, 'money'), by: '科长' });
    const county = await readSheet(r.files[0]!.path, '按区县');
    const money = county.header.indexOf('应退未退多发金额（元）') + 1;
    expect(money).toBeGreaterThan(0);
    const cell = (code: string) => county.rows.find((row) => row.getCell(1).value === code)!.getCell(money).value;
    expect(cell('440305')).toBe(1800);
    expect(cell('440306')).toBe(4200);
    expect(cell('合计')).toBe(6000);
  });

  it('refuses a run that did not finish, and picks the latest complete run by default', async () => {
    const other = await openStore(':memory:');
    await expect(exportSummary(other, { outDir: out, by: 'u' })).rejects.toThrow(/还没有已完成的比对批次/);
    await insertRun(other, 'Q2026-12-31', '2026-12-31', 'running');
    await expect(exportSummary(other, { outDir: out, by: 'u', runId: 'Q2026-12-31' })).rejects.toThrow(/未完成/);
    await insertRun(other, 'Q2026-09-30', '2026-09-30', 'complete');
    const r = await exportSummary(other, { outDir: join(out, 'empty'), by: 'u' });
    expect(r.runId).toBe('Q2026-09-30');
    expect(r.files[0]!.rows).toBe(0);
  });
});
