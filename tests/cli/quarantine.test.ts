// Issue 17 items 9 and 10 on the command line: `bidui quarantine list|export` (file, line, field,
// reason in Chinese, the value masked in the list and in full in the audited workbook), and the
// needs-info loop through `bidui review decide --needs-info --due` and `bidui review answer`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { makeId, opened, tempDir, writeFile } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';

const run = promisify(execFile);
const bidui = async (args: string[]) => run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env: { ...process.env, BIDUI_LOG_LEVEL: 'silent' } });

describe('bidui quarantine and the needs-info loop on the command line', () => {
  it('lists quarantined rows masked, exports them in full (audited); asks for material with a due date and records the answer', async () => {
    const dir = tempDir('bidui-quarantine-');
    const db = join(dir, 'store.duckdb');
    const id = makeId('440101', '19800101', '123');
    // An ID column over its bound: the row is quarantined with the ID as the value at fault.
    writeFile(dir, 'inbox/death/d.csv', ['姓名,身份证号,死亡日期', `张三,${id},2026-13-45`, `李四,${id}${'9'.repeat(4000)},2026-01-05`].join('\n') + '\n');
    await bidui(['--db', db, 'ingest', '--inbox', join(dir, 'inbox')]);

    const list = (await bidui(['--db', db, 'quarantine', 'list'])).stdout;
    expect(list).toMatch(/d\.csv\s+第 2 行\s+死亡日期\s+日期不存在\s+2026-13-45/);
    expect(list).toMatch(/d\.csv\s+第 3 行\s+身份证号\s+字段内容过长\s+440101\*{10}/);
    expect(list).not.toContain(id);
    expect(list).toContain('共 2 个隔离问题');
    const json = JSON.parse((await bidui(['--db', db, 'quarantine', 'list', '--json', '--reason', 'INVALID_DATE'])).stdout) as { total: number; rows: { place: string; value: string }[] };
    expect(json).toMatchObject({ total: 1, rows: [{ place: '第 2 行', value: '2026-13-45' }] });

    const exported = JSON.parse((await bidui(['--db', db, 'quarantine', 'export', '--out', join(dir, 'out'), '--by', 'operator', '--json'])).stdout) as { file: { path: string }; rows: number };
    expect(exported.rows).toBe(2);
    expect(exported.file.path).toMatch(/\.xlsx\.sm4$/);
    expect(existsSync(exported.file.path)).toBe(true);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(opened(exported.file.path));
    const values: string[] = [];
    wb.getWorksheet('隔离明细')!.eachRow((r) => values.push(...Array.from(r.values as unknown[], (v) => String(v ?? ''))));
    expect(values).toContain('2026-13-45');
    expect(values.some((v) => v.startsWith(id))).toBe(true);

    // The needs-info loop, on a flag put in by another process (this one would hold the store open).
    const seed = writeFile(
      dir,
      'seed.mts',
      `import { openStore } from ${JSON.stringify(join(ROOT, 'pipeline/store/index.ts'))};
       import { insertFlag, insertRun, RUN } from ${JSON.stringify(join(ROOT, 'tests/review/fixture.ts'))};
       const db = await openStore(${JSON.stringify(db)});
       await insertRun(db, RUN, '2026-09-30');
       await insertFlag(db, { flag_id: 'N1', flag: 'ADD', reason: 'BOTH_PARENTS_GONE', child_name: '王五', child_id_number: ${JSON.stringify(makeId('440305', '20150101', '011'))}, county_code: '440305' });`,
    );
    await run(process.execPath, ['--import', 'tsx', seed], { cwd: ROOT });
    const refused = await bidui(['--db', db, 'review', 'decide', 'N1', '--needs-info', '--reason', '请补充户籍证明', '--due', '2020-01-01', '--by', 'rev']).catch((e: { stderr: string }) => e);
    expect((refused as { stderr: string }).stderr).toContain('早于今天');
    expect((await bidui(['--db', db, 'review', 'decide', 'N1', '--needs-info', '--reason', '请补充户籍证明', '--due', '2099-01-31', '--by', 'rev'])).stdout).toContain('补充期限 2099-01-31');
    const waiting = JSON.parse((await bidui(['--db', db, 'review', 'list', '--json'])).stdout) as { flagId: string; status: string; followUp: string; infoDueOn: string }[];
    expect(waiting).toEqual([expect.objectContaining({ flagId: 'N1', status: 'needs_info', followUp: 'waiting', infoDueOn: '2099-01-31' })]);
    expect((await bidui(['--db', db, 'review', 'answer', 'N1', '--note', '已收到户籍证明', '--by', 'rev'])).stdout).toContain('回到待审核');
    const back = JSON.parse((await bidui(['--db', db, 'review', 'list', '--json'])).stdout) as { status: string; followUp: string }[];
    expect(back).toEqual([expect.objectContaining({ status: 'pending', followUp: 'answered' })]);

    const after = await openStore(db);
    const audits = await queryRows<{ action: string; kind: string | null }>(after, `SELECT action, (detail->>'kind') AS kind FROM audit_log WHERE action IN ('export', 'decide') ORDER BY audit_id`);
    expect(audits).toEqual([
      { action: 'export', kind: 'quarantine' },
      { action: 'decide', kind: null },
      { action: 'decide', kind: null },
    ]);
  }, 300_000);
});
