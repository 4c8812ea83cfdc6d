// Issue 17 item 13 (and the CLI part of 14): everything the CLI shows is Chinese — help, commander's
// own errors, `bidui status` labels, `rules explain`, timings — aligned for CJK widths; JSON logs
// stay off a terminal by default.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { alignColumns, displayWidth, resourceErrorZh, translateError } from '../../cli/zh.js';
import { defaultLogLevel } from '../../pipeline/log.js';
import { explainFlagLines } from '../../rules/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const run = promisify(execFile);
const bidui = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, BIDUI_LOG_LEVEL: 'warn' } });
const fails = (args: string[]) => bidui(args).then(
  (r) => ({ code: 0, ...r }),
  (e: { code: number; stdout: string; stderr: string }) => e,
);

/** English words that a description in plain Chinese does not have (option names and values aside). */
const ENGLISH = /\b(the|of|and|for|with|to|an?|or|by|print|display|default|choices|Usage|Options|Commands|Arguments)\b/;

/** The description column of a help text: each item line without its term (first two-space-separated column). */
function descriptions(help: string): string[] {
  return help
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l) || /^ {6,}\S/.test(l))
    .map((l) => (/^ {2}\S/.test(l) ? l.trim().split(/ {2,}/).slice(1).join(' ') : l.trim()));
}

describe('bidui help and commander errors in Chinese', () => {
  it('bidui --help and bidui review decide --help: Chinese titles and descriptions, no English words', async () => {
    const top = (await bidui(['--help'])).stdout;
    expect(top).toMatch(/^用法： bidui \[选项\] \[命令\]/);
    for (const title of ['选项：', '命令：']) expect(top).toContain(title);
    expect(top).toContain('显示帮助');
    expect(top).toContain('help [命令]');
    expect(top).toMatch(/status \[选项\] +查看数据库状态/);
    expect(descriptions(top).length).toBeGreaterThan(15);
    for (const d of descriptions(top)) expect(d, d).not.toMatch(ENGLISH);

    const decide = (await bidui(['review', 'decide', '--help'])).stdout;
    expect(decide).toMatch(/^用法： bidui review decide \[选项\] <flagId>/);
    for (const title of ['参数：', '选项：']) expect(decide).toContain(title);
    expect(decide).toMatch(/--by <user> +审核人（必填）/);
    expect(decide).not.toMatch(/Usage:|Options:|Arguments:/);
    expect(descriptions(decide).length).toBeGreaterThan(7);
    for (const d of descriptions(decide)) expect(d, d).not.toMatch(ENGLISH);
  });

  it('a missing required option and an unknown command: Chinese errors, exit code 1', async () => {
    const missing = await fails(['review', 'decide', 'F1', '--confirm']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('错误：缺少必填选项 --by <user>');
    expect(missing.stderr).not.toMatch(/error:|not specified/);

    const unknown = await fails(['stauts']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('错误：没有这个命令：stauts');
    expect(unknown.stderr).toContain('（您是不是要输入 status？）');
    expect(unknown.stderr).not.toMatch(/unknown command|Did you mean/);
  });

  it('commander messages it can print, one by one', () => {
    expect(translateError("error: unknown option '--jsn'\n(Did you mean --json?)")).toBe('错误：没有这个选项：--jsn\n（您是不是要输入 --json？）');
    expect(translateError("error: missing required argument 'flagId'")).toBe('错误：缺少必填参数 <flagId>');
    expect(translateError("error: too many arguments for 'status'. Expected 0 arguments but got 1.")).toBe('错误：命令 status 的参数过多：应有 0 个，实际给了 1 个');
    expect(translateError("error: option '--out <dir>' argument missing")).toBe('错误：选项 --out <dir> 后面缺少取值');
    expect(translateError("error: option '--size <size>' argument 'huge' is invalid. Allowed choices are tiny, small.")).toBe(
      '错误：选项 --size <size> 的取值“huge”无效，可选值：tiny、small',
    );
  });
});

describe('DuckDB resource failures in Chinese', () => {
  // The messages as DuckDB 1.5 wrote them when a quarter ran out of its memory limit (bidui quarter under
  // BIDUI_MEMORY_LIMIT=8MB; the adversarial province under 2500MB before the mentions were built role by role).
  const oom = 'Out of Memory Error: failed to pin block of size 256.0 KiB (2.3 GiB/2.3 GiB used)\n\nPossible solutions:\n* Reducing the number of threads (SET threads=X)';
  it('says the limit, how to raise it and the disk it spills to, and keeps the original first line', () => {
    const zh = resourceErrorZh(oom, '2500MB')!;
    expect(zh.split('\n')[0]).toMatch(/^内存不足：数据库在内存上限 2500MB 内无法完成这一步。可用环境变量 BIDUI_MEMORY_LIMIT 提高上限/);
    expect(zh.split('\n')[1]).toBe('原始错误：Out of Memory Error: failed to pin block of size 256.0 KiB (2.3 GiB/2.3 GiB used)');
    expect(zh).not.toContain('Possible solutions');
    expect(resourceErrorZh('IO Error: Could not write file "/data/store.duckdb.tmp/duckdb_temp_storage-0.tmp": No space left on device', '9642MB')).toMatch(/^磁盘空间不足：/);
  });
  it('leaves every other error alone', () => {
    expect(resourceErrorZh('Binder Error: Referenced column "x" not found', '2500MB')).toBeNull();
    expect(resourceErrorZh('本次比对未完成：匹配步骤没有一个分区完成', '2500MB')).toBeNull();
  });
});

describe('bidui status in Chinese', () => {
  it('names the feeds, the findings and the quarantine reasons in Chinese, columns aligned for CJK width', async () => {
    const dir = tempDir('bidui-zh-status-');
    const good = makeId('440305', '20150301', '123');
    const badCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    writeFile(
      dir,
      'inbox/registry/registry_20260930.csv',
      [
        '儿童编号,姓名,身份证号,出生日期,保障类别,保障状态',
        `C1,张三,${badCheck},2015-03-01,孤儿,在保`,
        `C2,,${makeId('440305', '20140101', '224')},2014-01-01,孤儿,在保`,
        `C3,李四,${makeId('440305', '20150505', '335')},2015-13-45,孤儿,在保`,
        `C4,王五,${makeId('440305', '20160606', '446')},2016-06-06,孤儿,在保`,
      ].join('\n') + '\n',
    );
    const db = join(dir, 'store.duckdb');
    await bidui(['--db', db, 'ingest', '--inbox', join(dir, 'inbox')]);
    const out = (await bidui(['--db', db, 'status'])).stdout;
    expect(out).toContain('儿童福利信息系统（保障名册）');
    expect(out).toContain('学籍（教育）');
    expect(out).toMatch(/儿童福利信息系统（保障名册） +身份证号校验位不对 +1 条/);
    expect(out).toMatch(/必填项为空 +1 行/);
    expect(out).toMatch(/出生日期 +日期不存在 +1 行/);
    expect(out).not.toMatch(/BAD_CHECK_DIGIT|MISSING_REQUIRED|INVALID_DATE|\bregistry\b/);
    // The count columns end in the same terminal column on every row of the table.
    const table = out.split('\n\n')[0]!.split('\n');
    expect(new Set(table.map((l) => displayWidth(l))).size).toBe(1);
  });
});

describe('print helpers', () => {
  it('displayWidth counts CJK and full-width characters as 2; alignColumns pads by it', () => {
    expect(displayWidth('学籍（教育）')).toBe(12);
    expect(displayWidth('ab 1')).toBe(4);
    const lines = alignColumns([['学籍（教育）', '1'], ['registry', '22']], new Set([1]));
    expect(lines.map(displayWidth)).toEqual([16, 16]);
  });

  it('rules explain: evidence and parameters in words, no raw JSON or role/feed codes', () => {
    const lines = explainFlagLines({
      flag: 'REMOVE',
      reason: 'BASIS_NO_LONGER_HOLDS',
      evidence: [{ role: 'registry', feed: 'registry', recordId: 'C1', date: '2026-01-01', score: 1, batchId: 1, srcRow: 1 }],
      params: { restriction: { minMonths: 6, measure: 'term' }, 'watch.horizonMonths': 3 },
    } as unknown as Parameters<typeof explainFlagLines>[0]).join('\n');
    expect(lines).toContain('儿童本人（名册）：儿童福利信息系统（保障名册） 记录 C1，日期 2026-01-01（匹配概率 100.0%）');
    expect(lines).toContain('规则参数：限制人身自由 · 最少月数 6；限制人身自由 · 月数计算方式 按整个期限；预警 · 提前预警（月） 3');
    expect(lines).not.toMatch(/[{}"]|registry registry:/);
  });

  it('JSON logs: only errors on a terminal, info elsewhere, BIDUI_LOG_LEVEL wins', () => {
    expect(defaultLogLevel({}, true)).toBe('error');
    expect(defaultLogLevel({}, false)).toBe('info');
    expect(defaultLogLevel({ BIDUI_LOG_LEVEL: 'debug' }, true)).toBe('debug');
  });
});
