// Issue 18 item 2: no exported cell may be read as a formula (OWASP CSV injection): a text cell
// starting with = + - @, a tab or a CR is written with a leading apostrophe, in every CSV and XLSX
// the product writes; ID numbers and plain numbers are never altered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvText, exportEducation, exportNational, exportSummary } from '../../exports/index.js';
import { neutraliseFormula, neutraliseFormulaSql } from '../../pipeline/identity/index.js';
import { writeFlagsCsv } from '../../flags/index.js';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { IDS, seed } from '../review/fixture.js';
import { seedRoster } from './roster.js';

const CALC = `=cmd|' /C calc'!A0`;
const HOSTILE = [CALC, '+1+cmd|x', '-2-cmd|x', '@SUM(A1)', '\t=1+1', '\r=1+1'];

async function sheetCells(path: string): Promise<unknown[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const cells: unknown[] = [];
  for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => cells.push(c.value)));
  return cells;
}
/** A cell a spreadsheet would evaluate: a formula cell, or text starting with a formula character. */
const isFormula = (v: unknown) =>
  (typeof v === 'object' && v !== null && ('formula' in v || 'sharedFormula' in v)) || (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) && !/^[+-]?\d+(\.\d+)?$/.test(v));

describe('neutraliseFormula', () => {
  it('prefixes an apostrophe to text starting with = + - @ tab CR; leaves numbers, ID numbers and other text alone', () => {
    for (const s of HOSTILE) expect(neutraliseFormula(s)).toBe(`'${s}`);
    for (const s of ['-3', '+1.5', '-0.25', IDS.add1, '44030520150312013X', '张三', 'a=b', '']) expect(neutraliseFormula(s)).toBe(s);
  });

  it('the SQL form gives the same text, for a file DuckDB writes with COPY (flags.csv)', async () => {
    const db = await openStore(':memory:');
    const values = [...HOSTILE, '-3', '+1.5', IDS.add1, '张三', 'a=b'];
    const rows = await queryRows<{ v: string; n: string }>(
      db,
      `SELECT v, ${neutraliseFormulaSql('v')} AS n FROM (VALUES ${values.map((v) => `(${lit(v)})`).join(', ')}) t(v)`,
    );
    for (const r of rows) expect(r.n).toBe(neutraliseFormula(r.v));
    const out = join(tempDir(), 'flags.csv');
    await db.run(`COPY (SELECT ${neutraliseFormulaSql('v')} AS child_name FROM (VALUES (${lit(CALC)})) t(v)) TO ${lit(out)} (HEADER, DELIMITER ',')`);
    expect(readFileSync(out, 'utf8')).not.toMatch(/^=|\n=|,=/);
  });

  it('csvText neutralises every text cell, not the numbers', () => {
    const text = csvText([{ key: 'a', header: '姓名', width: 1 }, { key: 'b', header: '金额', width: 1 }], [{ a: CALC, b: -3 }]);
    expect(text.split('\r\n')[1]).toBe(`'=cmd|' /C calc'!A0,-3`);
  });
});

describe('every export', () => {
  let db: Db;
  let out: string;
  beforeAll(async () => {
    db = await openStore(':memory:');
    await seed(db);
    out = tempDir('bidui-formula-');
    // Names and references as an attacker would register them, on a confirmed ADD and an EDUCATION flag.
    await db.run(`UPDATE sealed_flags SET child_name = bidui_seal(${lit(CALC)}), child_ref = bidui_seal('@SUM(1+1)') WHERE flag_id = 'F-ADD-1'`);
    await db.run(`UPDATE sealed_flags SET child_name = bidui_seal('+1+cmd|x') WHERE flag_id LIKE 'F-EDU-%'`);
    // The education list reads the registry and the school records: a name and a school name as an attacker would write them.
    await seedRoster(db, [{ ref: 'X1', name: '+1+cmd|x', id: IDS.edu1, county: '440305', category: 'ORPHAN',
      school: [{ status: 'ENROLLED', level: 'PRIMARY', grade: '三年级', school: '=HYPERLINK("http://x")', code: '1', asOf: '2026-09-01' }] }]);
  });

  it('flags.csv of a run (written by DuckDB COPY): names and references neutralised, ID numbers as they are', async () => {
    const file = await writeFlagsCsv(db, 'Q2026-09-30', join(out, 'run'));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`'${CALC}`);
    expect(text).toContain(`'@SUM(1+1)`);
    expect(text).toContain(`'+1+cmd|x`);
    expect(text).toContain(IDS.add1);
    for (const line of text.split('\n').slice(1)) {
      // Each field is either quoted by COPY or plain; none may start with a formula character once unquoted.
      for (const cell of line.match(/("([^"]|"")*"|[^,]*)/g) ?? []) expect(isFormula(cell.replace(/^"|"$/g, '').replaceAll('""', '"')), cell).toBe(false);
    }
  });

  it('national template: XLSX and GB18030 CSV', async () => {
    const r = await exportNational(db, { outDir: join(out, 'national'), by: '导出员' });
    for (const f of r.files) {
      if (f.format === 'xlsx') {
        const cells = await sheetCells(f.path);
        expect(cells.filter(isFormula)).toEqual([]);
        expect(cells).toContain(`'${CALC}`);
        expect(cells).toContain(IDS.add1);
      } else {
        const text = iconv.decode(readFileSync(f.path), 'gb18030');
        expect(text).toContain(`'${CALC}`);
        expect(text).toContain(IDS.add1);
        for (const line of text.split('\r\n')) for (const cell of line.split(',')) expect(isFormula(cell.replace(/^"/, '')), cell).toBe(false);
      }
    }
  });

  it('education bureau list: XLSX and GB18030 CSV', async () => {
    const r = await exportEducation(db, { outDir: join(out, 'education'), by: '导出员' });
    expect(r.files.length).toBeGreaterThan(0);
    for (const f of r.files) {
      if (f.format === 'xlsx') {
        const cells = await sheetCells(f.path);
        expect(cells.filter(isFormula)).toEqual([]);
        expect(cells).toContain(`'+1+cmd|x`);
        expect(cells).toContain(`'=HYPERLINK("http://x")`);
      } else {
        const text = iconv.decode(readFileSync(f.path), 'gb18030');
        expect(text).toContain(`'+1+cmd|x`);
        for (const line of text.split('\r\n')) for (const cell of line.split(',')) expect(isFormula(cell.replace(/^"/, '')), cell).toBe(false);
      }
    }
  });

  it('summary report: no cell a formula', async () => {
    const r = await exportSummary(db, { outDir: join(out, 'summary'), by: '导出员' });
    for (const f of r.files.filter((x) => x.format === 'xlsx')) expect((await sheetCells(f.path)).filter(isFormula)).toEqual([]);
  });
});
