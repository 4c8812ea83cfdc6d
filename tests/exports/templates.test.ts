// Output templates as data (issue 16 item 3): each shipped template file loads, is written for a
// run and read back (headers, ID numbers as text, codes mapped); national-v1 as data gives the
// file the TypeScript template gave (golden files made from that code path before it was deleted);
// a broken template file is a clear Chinese error naming the key; a province is a new file.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportChoice, exportChoices, exportNational, listTemplates, loadTemplate, parseTemplate, runExport, templatesDir, type Template } from '../../exports/index.js';
import { openStore, type Db } from '../../pipeline/store/index.js';
import { opened, tempDir } from '../helpers.js';
import { IDS, insertDecision, RUN, seed } from '../review/fixture.js';

const GOLDEN = join(import.meta.dirname, 'golden');

let db: Db;
let out: string;
beforeAll(async () => {
  // A store file, not ':memory:': an in-memory store seals with a random key of its own, and
  // runExport's sealed files are read here with the bureau's (test) key, as `bidui open` would.
  db = await openStore(join(tempDir('bidui-templates-store-'), 'store.duckdb'));
  await seed(db);
  await insertDecision(db, 'F-REM-1', 'approved', '主管丙', '2026-10-14 09:00:00');
  await insertDecision(db, 'F-URG-1', 'confirmed', '审核员甲', '2026-10-12 09:00:00');
  await db.run(`UPDATE sealed_flags SET overpaid_amount = 1800 WHERE flag_id = 'F-REM-1'`);
  out = tempDir('bidui-templates-');
});

/** A workbook's sheet; a sealed one (runExport's, `.sm4`) opened first. */
async function sheet(path: string, name?: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(opened(path));
  const ws = name ? wb.getWorksheet(name)! : wb.worksheets[0]!;
  const rows: ExcelJS.Row[] = [];
  ws.eachRow((r) => rows.push(r));
  const header = (rows[0]!.values as unknown[]).slice(1) as string[];
  const cell = (r: ExcelJS.Row, h: string) => r.getCell(header.indexOf(h) + 1);
  return { wb, ws, header, data: rows.slice(1), cell };
}

/** Every cell of a workbook with its type and format, the export time blanked (the golden file's form). */
async function cellDump(path: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const out: unknown[] = [];
  wb.eachSheet((ws) => {
    out.push(ws.name, ws.views, ws.autoFilter, ws.columns.map((c) => [c.width, c.numFmt]));
    ws.eachRow((r, n) => r.eachCell({ includeEmpty: true }, (c, k) => out.push([n, k, c.type, c.numFmt, c.value, r.font])));
  });
  return JSON.parse(JSON.stringify(out).replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 北京时间/g, '<导出时间>'));
}

describe('the shipped templates', () => {
  it('load and validate; national-v2 is the national default and zhelihumiao-v1 the provincial one', () => {
    const all = listTemplates();
    expect(all.map((t) => t.name)).toEqual(['national-v1', 'national-v2', 'zhelihumiao-v1']);
    expect(loadTemplate(null, 'national').name).toBe('national-v2');
    expect(loadTemplate(null, 'provincial').name).toBe('zhelihumiao-v1');
    expect(exportChoices().map((c) => [c.id, c.template])).toEqual([
      ['national', 'national-v2'],
      ['national-v1', 'national-v1'],
      ['provincial', 'zhelihumiao-v1'],
      ['education', null],
      ['summary', null],
      ['flags', null],
    ]);
    expect(exportChoice('national-v2')).toMatchObject({ kind: 'national', template: 'national-v2' });
  });

  it.each(['national-v1', 'national-v2', 'zhelihumiao-v1'])('%s: written for a run and read back (headers, ID numbers as text, codes mapped)', async (name) => {
    const t = loadTemplate(name);
    const r = await runExport(db, t.system, { outDir: join(out, name), by: '导出员', template: name, needToKnow: true });
    expect(r.templateVersion).toBe(name);
    expect(r.files.map((f) => f.format)).toEqual(t.files.map((f) => f.format));
    const xlsx = r.files.find((f) => f.format === 'xlsx')!;
    const { header, data, cell, wb } = await sheet(xlsx.path, t.sheet);
    expect(header).toEqual(t.columns.map((c) => c.header));
    const idHeader = t.columns.find((c) => c.field === 'id_number')!.header;
    const ids = data.map((r) => cell(r, idHeader));
    for (const id of ids) {
      expect(id.type).toBe(ExcelJS.ValueType.String);
      expect(id.numFmt).toBe('@');
      expect(id.value as string).toMatch(/^\d{17}[\dX]$/);
    }
    expect(ids.map((c) => c.value)).toContain(IDS.add1);
    expect(wb.getWorksheet(t.notesSheet)).toBeDefined();
    const csv = r.files.find((f) => f.format === 'csv');
    if (csv) {
      const text = iconv.decode(readFileSync(opened(csv.path)), 'gb18030');
      const lines = text.split('\r\n').slice(0, -1);
      expect(lines[0]!.split(',')).toEqual(t.columns.map((c) => c.header));
      // The importer's file: ID numbers plain, 18 characters, no spreadsheet trick in front.
      const col = t.columns.findIndex((c) => c.field === 'id_number');
      expect(lines.slice(1).map((l) => l.split(',')[col])).toEqual(ids.map((c) => c.value));
    }
  });

  it('national-v1 as data gives the national file the TypeScript template gave, CSV byte for byte', async () => {
    const r = await exportNational(db, { outDir: join(out, 'v1'), by: '导出员', needToKnow: true, template: 'national-v1' });
    expect(r.files.map((f) => basename(f.path))).toEqual([`全国儿童福利信息系统_变动_${RUN}_全部.xlsx`, `全国儿童福利信息系统_变动_${RUN}_全部.csv`]);
    expect(readFileSync(r.files[1]!.path).equals(readFileSync(join(GOLDEN, 'national-v1.csv')))).toBe(true);
    expect(await cellDump(r.files[0]!.path)).toEqual(JSON.parse(readFileSync(join(GOLDEN, 'national-v1.xlsx.json'), 'utf8')));
  });

  it('national-v2: v1 with the overpaid amount (元) as a 16th column; the CSV for the importer is named so', async () => {
    const r = await exportNational(db, { outDir: join(out, 'v2'), by: '导出员', needToKnow: true });
    expect(r.files.map((f) => [basename(f.path), f.purpose])).toEqual([
      [`全国儿童福利信息系统_变动_${RUN}_全部.xlsx`, 'people'],
      [`全国儿童福利信息系统_变动_${RUN}_全部_系统导入.csv`, 'import'],
    ]);
    const { header, data, cell } = await sheet(r.files[0]!.path);
    expect(header.slice(0, 15)).toEqual(loadTemplate('national-v1').columns.map((c) => c.header));
    expect(header[15]).toBe('多发金额（元）');
    const remove = data.find((row) => cell(row, '标记编号').value === 'F-REM-1')!;
    expect(cell(remove, '多发月数').value).toBe(2);
    expect(cell(remove, '多发金额（元）').value).toBe(1800);
    expect(cell(remove, '多发金额（元）').numFmt).toBe('0.00');
    expect(cell(data.find((row) => cell(row, '标记编号').value === 'F-ADD-1')!, '多发金额（元）').value).toBeNull();
    const v1 = iconv.decode(readFileSync(join(GOLDEN, 'national-v1.csv')), 'gb18030').split('\r\n');
    const v2 = iconv.decode(readFileSync(r.files[1]!.path), 'gb18030').split('\r\n');
    // The first 15 columns of every line are v1's, so a positional importer of v1 reads v2 unchanged.
    expect(v2.map((l) => l.split(',').slice(0, 15).join(','))).toEqual(v1);
    expect(v2.find((l) => l.includes('F-REM-1'))!.split(',')[15]).toBe('1800.00');
  });

  it('zhelihumiao-v1: its own codes, date format, constant column, sequence numbers and URGENT flags', async () => {
    const r = await runExport(db, 'provincial', { outDir: join(out, 'zj'), by: '导出员' }); // the default provincial template, without the grant
    expect(r.files.map((f) => basename(f.path))).toEqual([`浙里护苗_儿童信息变动_${RUN}_全部.xlsx.sm4`]);
    const { data, cell, wb } = await sheet(r.files[0]!.path, '变动信息');
    const rows = data.map((row) => ({ 序号: cell(row, '序号').value, 变动类型: cell(row, '变动类型').value, 性别: cell(row, '性别').value, 出生日期: cell(row, '出生日期').value, 证件类型: cell(row, '证件类型').value, 所属区县: cell(row, '所属区县').value, 变动原因: cell(row, '变动原因').value, 编号: cell(row, '比对标记编号').value }));
    expect(rows.map((x) => x.编号)).toEqual(['F-ADD-1', 'F-REM-1', 'F-RCL-1', 'F-URG-1']);
    expect(rows.map((x) => x.变动类型)).toEqual(['纳入', '退出', '类型变更', '紧急关爱']);
    expect(rows.map((x) => x.序号)).toEqual([1, 2, 3, 4]);
    expect(rows[0]).toMatchObject({ 性别: '1', 出生日期: '20150312', 证件类型: '居民身份证', 所属区县: '南山区' });
    expect(rows[1]!.变动原因).toBe('父母符合条件的情形已消失（限制知悉）'); // no grant: the release from prison is masked
    expect(cell(data[1]!, '变动日期').value).toBe('20260801');
    expect(JSON.stringify(wb.getWorksheet('填报说明')!.getSheetValues())).toContain('4（纳入 1，退出 1，类型变更 1，紧急关爱 1）');
  });
});

describe('a province is a file, not code', () => {
  it('a copied and edited template file is listed and used by path', async () => {
    const dir = tempDir('bidui-province-');
    const t = JSON.parse(readFileSync(join(templatesDir(), 'zhelihumiao-v1.json'), 'utf8')) as Template;
    const mine = { ...t, name: 'sichuan-v1', title: '四川省儿童福利信息变动表', fileName: '四川_变动_{run}_{county}', rows: { flags: ['REMOVE'], statuses: ['approved'] } };
    const file = join(dir, 'sichuan-v1.json');
    writeFileSync(file, JSON.stringify(mine));
    const r = await runExport(db, 'provincial', { outDir: join(out, 'sc'), by: '导出员', template: file });
    expect(r.templateVersion).toBe('sichuan-v1');
    expect(basename(r.files[0]!.path)).toBe(`四川_变动_${RUN}_全部.xlsx.sm4`);
    expect(r.files[0]!.rows).toBe(1);
    // In the shipped folder it is listed like the others.
    const folder = tempDir('bidui-template-folder-');
    for (const n of ['national-v2.json', 'zhelihumiao-v1.json']) copyFileSync(join(templatesDir(), n), join(folder, n));
    copyFileSync(file, join(folder, 'sichuan-v1.json'));
    expect(() => listTemplates(folder)).toThrow(/多个省级系统的默认模板（default: true）：sichuan-v1、zhelihumiao-v1/);
    writeFileSync(join(folder, 'sichuan-v1.json'), JSON.stringify({ ...mine, default: false }));
    expect(listTemplates(folder).map((x) => x.name)).toEqual(['national-v2', 'sichuan-v1', 'zhelihumiao-v1']);
  });
});

describe('a broken template file', () => {
  const base = () => JSON.parse(readFileSync(join(templatesDir(), 'national-v2.json'), 'utf8')) as Record<string, unknown> & { columns: Record<string, unknown>[] };
  const error = (data: unknown, file = '/x/national-v2.json') => {
    try {
      parseTemplate(typeof data === 'string' ? data : JSON.stringify(data), file);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('is a Chinese error naming the file and the key', () => {
    const t = base();
    t.columns[2] = { ...t.columns[2], field: 'id_no' };
    const m = error(t);
    expect(m).toContain('导出模板 /x/national-v2.json 有误');
    expect(m).toContain('columns[2]（身份证号）.field');
    expect(m).toMatch(/无效选项/);

    const codes = base();
    codes.columns[0] = { ...codes.columns[0], codes: { ADD: '新增', ADDD: '新增' } };
    expect(error(codes)).toContain('columns[0]（变动类型）.codes.ADDD：未知代码 ADDD');

    const money = base();
    money.columns[1] = { ...money.columns[1], format: 'amount' };
    expect(error(money)).toContain('columns[1]（姓名）.format：字段 name 不是数值');

    const name = base();
    name.fileName = '变动_{run}';
    expect(error(name)).toContain('fileName：文件名须含 {run} 和 {county}');

    const extra = { ...base(), colums: [] };
    expect(error(extra)).toMatch(/colums/);

    const both = base();
    both.columns[3] = { header: '性别', field: 'gender', value: '男' };
    expect(error(both)).toContain('columns[3]（性别）.field：每列须有 field');

    const rows = base();
    rows.rows = { flags: ['ADD', 'DELETE'], statuses: ['confirmed'] };
    expect(error(rows)).toContain('rows.flags[1]');

    expect(error('{ "name": ')).toMatch(/不是有效的 JSON/);
    expect(error(base(), '/x/other.json')).toContain('name：应与文件名一致（other）');
  });

  it('loadTemplate names what exists when the name is unknown, and refuses a provincial template for the national file', () => {
    expect(() => loadTemplate('national-v9')).toThrow(/没有名为 national-v9 的导出模板；可用：national-v1、national-v2、zhelihumiao-v1/);
    expect(() => loadTemplate('zhelihumiao-v1', 'national')).toThrow(/省级系统的模板，不能用于全国系统/);
  });
});
