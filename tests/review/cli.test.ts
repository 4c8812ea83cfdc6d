import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskId } from '../../pipeline/log.js';
import { closeDb, openStore, queryRows } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';
import { IDS, RUN, seed } from './fixture.js';

const run = promisify(execFile);
const bidui = async (args: string[]) => run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env: { ...process.env, BIDUI_LOG_LEVEL: 'warn' } });

let dir: string;
let dbPath: string;
beforeAll(async () => {
  dir = tempDir('bidui-review-cli-');
  dbPath = join(dir, 'store.duckdb');
  // Its own instance, closed afterwards: the CLI process needs the file lock.
  const db = await openStore(dbPath, { detached: true });
  await seed(db);
  closeDb(db);
});

describe('bidui review and export commands', () => {
  it('review decide records decisions; review list masks ID numbers; export writes and prints files', async () => {
    const noChoice = await bidui(['--db', dbPath, 'review', 'decide', 'F-ADD-2', '--by', 'u1']).catch((e: { stderr: string; code: number }) => e);
    expect(noChoice).toMatchObject({ code: 1 });
    expect((noChoice as { stderr: string }).stderr).toContain('请在 --confirm、--reject、--needs-info 中选择且只选择一项');
    const noReason = await bidui(['--db', dbPath, 'review', 'decide', 'F-ADD-2', '--reject', '--by', 'u1']).catch((e: { stderr: string }) => e);
    expect((noReason as { stderr: string }).stderr).toContain('驳回理由');

    const ok = await bidui(['--db', dbPath, 'review', 'decide', 'F-ADD-2', '--confirm', '--by', '审核员丁']);
    expect(ok.stdout).toMatch(/已记录审核决定 #\d+: 标记 F-ADD-2（比对批次 Q2026-09-30）已确认/);

    const list = JSON.parse((await bidui(['--db', dbPath, 'review', 'list', '--json'])).stdout) as { flagId: string; childIdNumber: string; status: string; statusLabel: string }[];
    expect(list).toHaveLength(11);
    expect(list.find((i) => i.flagId === 'F-ADD-2')).toMatchObject({ status: 'confirmed', childIdNumber: maskId(IDS.add2) });
    // A REMOVE a reviewer confirmed waits for a supervisor (four-eyes): not 已确认.
    expect(list.find((i) => i.flagId === 'F-REM-1')).toMatchObject({ status: 'awaiting_approval', statusLabel: '待主管复核' });
    const text = (await bidui(['--db', dbPath, 'review', 'list', '--run', RUN])).stdout;
    expect(text).toContain('应退未退');
    expect(text).toContain(maskId(IDS.rem1));
    for (const id of Object.values(IDS)) expect(text).not.toContain(id);

    const out = join(dir, 'out');
    const exp = await bidui(['--db', dbPath, 'export', 'national', '--out', out, '--by', '导出员', '--county', '440306']);
    const xlsx = join(out, `全国儿童福利信息系统_变动_${RUN}_440306.xlsx.sm4`); // left sealed (docs/protection.md)
    expect(exp.stdout).toContain(xlsx);
    expect(exp.stdout).toContain('(1 行；');
    expect(existsSync(xlsx)).toBe(true);
    const bad = await bidui(['--db', dbPath, 'export', 'nope', '--out', out, '--by', 'u']).catch((e: { code: number }) => e);
    expect(bad).toMatchObject({ code: 1 });

    const db = await openStore(dbPath, { detached: true });
    const audit = await queryRows<{ action: string; actor: string; rows: number }>(db, `SELECT action, actor, rows FROM audit_log ORDER BY audit_id`);
    expect(audit).toEqual([
      { action: 'decide', actor: '审核员丁', rows: 1 },
      { action: 'export', actor: '导出员', rows: 1 },
      { action: 'export', actor: '导出员', rows: 1 },
    ]);
    closeDb(db);
  });

  it('review approve: the four-eyes approval of a confirmed REMOVE, never by the one who confirmed it; the national export then has it', async () => {
    const self = await bidui(['--db', dbPath, 'review', 'approve', 'F-REM-1', '--by', '审核员乙']).catch((e: { stderr: string; code: number }) => e);
    expect(self).toMatchObject({ code: 1 });
    expect((self as { stderr: string }).stderr).toContain('不能复核自己的审核决定');
    const notRemove = await bidui(['--db', dbPath, 'review', 'approve', 'F-ADD-2', '--by', '主管甲']).catch((e: { stderr: string }) => e);
    expect((notRemove as { stderr: string }).stderr).toContain('只有“应退未退”标记需要主管复核');

    const out = join(dir, 'out-approved');
    const rows = async () => {
      const r = JSON.parse((await bidui(['--db', dbPath, 'export', 'national', '--out', out, '--by', '导出员', '--county', '440305', '--json'])).stdout) as { files: { rows: number }[] };
      return r.files[0]!.rows;
    };
    const before = await rows();
    const ok = await bidui(['--db', dbPath, 'review', 'approve', 'F-REM-1', '--by', '主管甲', '--note', '已核实释放证明']);
    expect(ok.stdout).toMatch(/已记录主管复核 #\d+: 标记 F-REM-1（比对批次 Q2026-09-30）已复核，复核人 主管甲/);
    const list = JSON.parse((await bidui(['--db', dbPath, 'review', 'list', '--json'])).stdout) as { flagId: string; status: string }[];
    expect(list.find((i) => i.flagId === 'F-REM-1')).toMatchObject({ status: 'approved' });
    expect(await rows()).toBe(before + 1);
    const again = await bidui(['--db', dbPath, 'review', 'approve', 'F-REM-1', '--by', '主管乙']).catch((e: { stderr: string }) => e);
    expect((again as { stderr: string }).stderr).toContain('不是“待主管复核”状态');
  });
});
