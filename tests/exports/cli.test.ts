// `bidui export` with templates: the list, --template by name or file, the kind taken from the
// template, a broken template file as a Chinese error naming the key.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { templatesDir } from '../../exports/index.js';
import { closeDb, openStore } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';
import { RUN, seed } from '../review/fixture.js';

const run = promisify(execFile);
const bidui = async (args: string[]) => run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env: { ...process.env, BIDUI_LOG_LEVEL: 'warn' } });
const failure = (args: string[]) => bidui(args).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);

let dir: string;
let dbPath: string;
beforeAll(async () => {
  dir = tempDir('bidui-export-cli-');
  dbPath = join(dir, 'store.duckdb');
  const db = await openStore(dbPath, { detached: true });
  await seed(db);
  closeDb(db);
});

describe('bidui export --template', () => {
  it('lists the templates, writes one by name (kind from the template) and says what each file is for', async () => {
    const list = (await bidui(['export', 'templates'])).stdout;
    for (const name of ['national-v1', 'national-v2', 'zhelihumiao-v1']) expect(list).toContain(name);
    expect(list).toContain('默认');

    const out = join(dir, 'zj');
    const r = await bidui(['--db', dbPath, 'export', '--template', 'zhelihumiao-v1', '--out', out, '--by', '导出员']);
    const file = join(out, `浙里护苗_儿童信息变动_${RUN}_全部.xlsx.sm4`);
    expect(existsSync(file)).toBe(true);
    expect(r.stdout).toContain('模板 zhelihumiao-v1');
    expect(r.stdout).toContain(file);

    const nat = await bidui(['--db', dbPath, 'export', 'national', '--template', 'national-v1', '--out', join(dir, 'v1'), '--by', '导出员']);
    expect(nat.stdout).toContain('供系统导入；请勿用 Excel 双击打开后保存');
    expect(nat.stdout).toContain('供查阅、打印');
  });

  it('refuses a broken template file, a template of the other system and a missing --by, in Chinese', async () => {
    const t = JSON.parse(readFileSync(join(templatesDir(), 'national-v2.json'), 'utf8')) as { columns: Record<string, unknown>[] };
    t.columns[4]!.format = 'money';
    const file = join(dir, 'national-v2.json');
    writeFileSync(file, JSON.stringify(t));
    const broken = await failure(['--db', dbPath, 'export', '--template', file, '--out', dir, '--by', 'u']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`导出模板 ${file} 有误`);
    expect(broken.stderr).toContain('columns[4]（出生日期）.format');

    const other = await failure(['--db', dbPath, 'export', 'national', '--template', 'zhelihumiao-v1', '--out', dir, '--by', 'u']);
    expect(other.stderr).toContain('与导出内容 national 不符');
    const noBy = await failure(['--db', dbPath, 'export', 'summary', '--out', dir]);
    expect(noBy.stderr).toContain('请指定导出人（--by）');
  });
});
