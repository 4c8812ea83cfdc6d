// Need-to-know in every export (issue 18 item 4): without the grant (the default; a reviewer's web
// export, the CLI without --need-to-know) no file and no count tells an HIV flag exists, and a
// criminal-record reason or evidence item is masked; with the grant they are there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExport, type ExportKind, type ExportResult } from '../../exports/index.js';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, opened, tempDir } from '../helpers.js';
import { IDS, insertDecision, insertFlag, OLD_RUN, RUN, seed } from '../review/fixture.js';
import { seedRoster } from './roster.js';

const HIV_LABEL = '艾滋病病毒感染儿童';
const HIV_IDS = {
  rem: makeId('440305', '20110606', '125'),
  edu: makeId('440305', '20120707', '136'),
  urg: makeId('440306', '20130808', '147'),
  rcl: makeId('440305', '20140909', '158'),
  old: makeId('440306', '20100101', '169'),
};
const HIV_FLAG_IDS = ['F-HIV-REM', 'F-HIV-EDU', 'F-HIV-URG', 'F-HIV-RCL'];

let db: Db;
let out: string;
beforeAll(async () => {
  // A store file, not ':memory:': an in-memory store seals with a random key of its own, and the
  // sealed exports are read here with the bureau's (test) key, as `bidui open` would.
  db = await openStore(join(tempDir('bidui-ntk-store-'), 'store.duckdb'));
  await seed(db);
  // HIV flags of every kind an export takes: an approved REMOVE (national), an EDUCATION flag
  // (education list), an URGENT one, a RECLASSIFY away from HIV (previous category), and one of the
  // previous quarter that is resolved in this one (the summary's 上期标记已消除).
  await insertFlag(db, { flag_id: 'F-HIV-REM', flag: 'REMOVE', category: 'HIV', reason: 'AGED_OUT', child_name: '艾一', child_id_number: HIV_IDS.rem, county_code: '440305', effective_from: '2026-09-01' });
  await insertFlag(db, { flag_id: 'F-HIV-EDU', flag: 'EDUCATION', category: 'HIV', reason: 'NOT_ENROLLED', child_name: '艾二', child_id_number: HIV_IDS.edu, county_code: '440305' });
  await insertFlag(db, { flag_id: 'F-HIV-URG', flag: 'URGENT', category: 'HIV', reason: 'PARENT_EVENT_NO_CARER', child_name: '艾三', child_id_number: HIV_IDS.urg, county_code: '440306', priority: 1 });
  await insertFlag(db, { flag_id: 'F-HIV-RCL', flag: 'RECLASSIFY', category: 'ORPHAN', previous_category: 'HIV', reason: 'BOTH_PARENTS_GONE', child_name: '艾四', child_id_number: HIV_IDS.rcl, county_code: '440305' });
  await insertFlag(db, { flag_id: 'F-HIV-OLD', run_id: OLD_RUN, flag: 'URGENT', category: 'HIV', reason: 'CARER_EVENT', child_name: '艾五', child_id_number: HIV_IDS.old, county_code: '440306' });
  await db.run(`INSERT INTO resolved_flags VALUES (${lit(RUN)}, 'F-HIV-OLD', ${lit(OLD_RUN)})`);
  await insertDecision(db, 'F-HIV-REM', 'confirmed', '审核员乙');
  await insertDecision(db, 'F-HIV-REM', 'approved', '主管丙', '2026-10-14 09:00:00');
  await insertDecision(db, 'F-HIV-RCL', 'confirmed');
  await insertDecision(db, 'F-REM-1', 'approved', '主管丙', '2026-10-14 09:00:00'); // PARENT_RELEASED, in the national file
  // The education list's roster: two school-age children and an HIV child.
  await seedRoster(db, [
    { ref: 'E1', name: '郑浩', id: IDS.edu1, county: '440305', category: 'LEFT_BEHIND' },
    { ref: 'E2', name: '冯雪', id: IDS.edu2, county: '440306', category: 'ORPHAN' },
    { ref: 'H1', name: '艾二', id: HIV_IDS.edu, county: '440305', category: 'HIV' },
  ]);
  out = tempDir('bidui-ntk-');
});

const exportAs = (kind: ExportKind, needToKnow: boolean | undefined, sub: string): Promise<ExportResult> =>
  runExport(db, kind, { outDir: join(out, sub), by: needToKnow ? '主管丙' : '审核员甲', ...(needToKnow === undefined ? {} : { needToKnow }) });

// Files with personal data are left sealed (`.sm4`, docs/protection.md): the readers open them first.
async function sheetText(path: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(opened(path));
  return JSON.stringify(wb.worksheets.map((w) => w.getSheetValues()));
}

async function sheetRows(path: string, name: string): Promise<Record<string, unknown>[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(opened(path));
  const ws = wb.getWorksheet(name)!;
  const rows: unknown[][] = [];
  ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  const header = rows[0] as string[];
  return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

const csvText = (path: string) => iconv.decode(readFileSync(opened(path)), 'gb18030');
const hivIn = (text: string) => HIV_FLAG_IDS.some((id) => text.includes(id)) || Object.values(HIV_IDS).some((id) => text.includes(id)) || text.includes(HIV_LABEL);

describe('exports without the need-to-know grant (the default)', () => {
  it('flags (Parquet, Arrow): no HIV flag; a release from prison reads RESTRICTED; incarceration evidence is masked', async () => {
    for (const needToKnow of [undefined, false]) {
      const r = await exportAs('flags', needToKnow, `flags-${String(needToKnow)}`);
      const [parquet, arrow] = r.files;
      const rows = await queryRows<{ flag_id: string; category: string | null; previous_category: string | null; reason: string; evidence: string }>(
        db,
        `SELECT flag_id, category, previous_category, reason, evidence FROM read_parquet(${lit(opened(parquet!.path))})`,
      );
      expect(rows).toHaveLength(11); // the seed's 11, none of the 4 HIV flags
      expect(parquet!.rows).toBe(11);
      expect(rows.filter((x) => x.category === 'HIV' || x.previous_category === 'HIV')).toEqual([]);
      expect(rows.find((x) => x.flag_id === 'F-REM-1')!.reason).toBe('RESTRICTED');
      const ev = JSON.parse(rows.find((x) => x.flag_id === 'F-ADD-1')!.evidence) as Record<string, unknown>[];
      expect(ev).toEqual([{ feed: 'RESTRICTED' }]);
      expect(JSON.stringify(rows)).not.toContain('J-1');
      expect(JSON.stringify(rows)).not.toContain('incarceration');
      const table = tableFromIPC(readFileSync(opened(arrow!.path)));
      expect(table.numRows).toBe(11);
      const arrowRows = table.toArray().map((x) => x.toJSON() as Record<string, unknown>);
      expect(arrowRows.some((x) => x.category === 'HIV' || x.previous_category === 'HIV')).toBe(false);
      expect(arrowRows.find((x) => x.flag_id === 'F-REM-1')!.reason).toBe('RESTRICTED');
    }
  });

  it('summary: no HIV row, no HIV flag in any count or total (resolved ones included)', async () => {
    const r = await exportAs('summary', false, 'summary');
    expect(r.files[0]!.rows).toBe(11);
    const path = r.files[0]!.path;
    expect(await sheetText(path)).not.toContain(HIV_LABEL);
    const byType = await sheetRows(path, '按标记类型');
    expect(byType.find((x) => x['标记类型'] === '合计')).toMatchObject({ 标记数: 11 });
    expect(byType.find((x) => x['标记类型'] === '紧急关注' || x['类型代码'] === 'URGENT')).toMatchObject({ 标记数: 1 });
    const byCat = await sheetRows(path, '按保障类别');
    expect(byCat.map((x) => x['类别代码'])).not.toContain('HIV');
    expect(byCat.find((x) => x['保障类别'] === '合计')).toMatchObject({ 合计: 11 });
    const byCounty = await sheetRows(path, '按区县');
    expect(byCounty.find((x) => x['区划代码'] === '合计')).toMatchObject({ 合计: 11 });
    const notes = Object.fromEntries((await sheetRows(path, '说明')).map((x) => [x['项目'], x['内容']]));
    expect(notes['标记总数']).toBe('11');
    expect(notes['上期标记已消除']).toBe('0');
  });

  it('national and education files: no HIV row, and the count of the notes agrees; a release from prison is masked', async () => {
    const national = await exportAs('national', false, 'national');
    expect(national.files.map((f) => f.rows)).toEqual([3, 3]); // F-ADD-1, F-REM-1, F-RCL-1; not F-HIV-REM, F-HIV-RCL
    const nText = await sheetText(national.files[0]!.path);
    expect(hivIn(nText)).toBe(false);
    expect(hivIn(csvText(national.files[1]!.path))).toBe(false);
    expect(nText).not.toContain('父母刑满释放');
    expect(nText).toContain('父母符合条件的情形已消失（限制知悉）');
    expect(nText).toContain('3（新增 1，退出 1，类别变更 1）');

    const education = await exportAs('education', false, 'education');
    expect(education.files.map((f) => f.rows)).toEqual([2, 2]);
    expect(hivIn(await sheetText(education.files[0]!.path))).toBe(false);
    expect(hivIn(csvText(education.files[1]!.path))).toBe(false);
  });

  it('records in the audit log whether the export was made with the grant', async () => {
    const r = await exportAs('flags', false, 'audit');
    // The audit names the file as it was written, before sealing.
    const [a] = await queryRows<{ detail: string }>(db, `SELECT CAST(detail AS VARCHAR) AS detail FROM audit_log WHERE target = ${lit(r.files[0]!.path.replace(/\.sm4$/, ''))}`);
    expect(JSON.parse(a!.detail)).toMatchObject({ needToKnow: false });
  });
});

describe('exports with the need-to-know grant', () => {
  it('hold the HIV flags, their counts and the real reasons and evidence', async () => {
    const flags = await exportAs('flags', true, 'g-flags');
    expect(flags.files.map((f) => f.rows)).toEqual([15, 15]);
    const rows = await queryRows<{ flag_id: string; reason: string; evidence: string }>(db, `SELECT flag_id, reason, evidence FROM read_parquet(${lit(opened(flags.files[0]!.path))})`);
    expect(rows.map((x) => x.flag_id)).toEqual(expect.arrayContaining(HIV_FLAG_IDS));
    expect(rows.find((x) => x.flag_id === 'F-REM-1')!.reason).toBe('PARENT_RELEASED');
    expect(JSON.parse(rows.find((x) => x.flag_id === 'F-ADD-1')!.evidence)[0]).toMatchObject({ feed: 'incarceration', record_id: 'J-1' });
    expect(tableFromIPC(readFileSync(opened(flags.files[1]!.path))).numRows).toBe(15);

    const summary = await exportAs('summary', true, 'g-summary');
    const byCat = await sheetRows(summary.files[0]!.path, '按保障类别');
    expect(byCat.find((x) => x['类别代码'] === 'HIV')).toMatchObject({ 保障类别: HIV_LABEL, 合计: 3 });
    expect(byCat.find((x) => x['保障类别'] === '合计')).toMatchObject({ 合计: 15 });
    const notes = Object.fromEntries((await sheetRows(summary.files[0]!.path, '说明')).map((x) => [x['项目'], x['内容']]));
    expect(notes['上期标记已消除']).toBe('1');

    const national = await exportAs('national', true, 'g-national');
    expect(national.files.map((f) => f.rows)).toEqual([5, 5]);
    const nText = await sheetText(national.files[0]!.path);
    expect(nText).toContain('F-HIV-REM');
    expect(nText).toContain('F-HIV-RCL');
    expect(nText).toContain('父母刑满释放或解除限制人身自由');

    const education = await exportAs('education', true, 'g-education');
    expect(education.files.map((f) => f.rows)).toEqual([3, 3]);
    expect(csvText(education.files[1]!.path)).toContain(HIV_IDS.edu);
  });
});
