// Issue 17 item 11: progress of long work. Off a terminal (stderr a pipe, as in CI or a service),
// `bidui quarter` and `bidui ingest` write one JSON line per progress event on stderr: every stage in
// order, counts that only grow, each stage ending at 100%; stdout keeps the command's output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateProvince, synthOptionsSchema } from '../../synth/index.js';
import { tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';

const run = promisify(execFile);
const bidui = async (args: string[]) => run(process.execPath, [...(await biduiArgs()), ...args], { cwd: ROOT, env: { ...process.env, BIDUI_LOG_LEVEL: 'silent' } });

interface Line {
  progress: string;
  stage: string;
  done: number;
  total: number;
  percent: number;
  rows?: number;
  elapsed_s: number;
  eta_s: number | null;
}

const progressLines = (stderr: string): Line[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line | { msg: string })
    .filter((l): l is Line => 'progress' in l);

describe('progress off a terminal: JSON lines on stderr', () => {
  it('a quarter reports ingest (files, rows), linkage, gathering, evaluation and storing, in order, each to 100%', async () => {
    const dir = tempDir('bidui-progress-');
    const province = join(dir, 'province');
    await generateProvince(synthOptionsSchema.parse({ seed: 2, size: 'tiny', out: province }));
    const files = (await import('node:fs')).readdirSync(join(province, 'inbox'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).length;
    const { stdout, stderr } = await bidui(['--db', join(dir, 'store.duckdb'), 'quarter', '--as-of', '2026-09-30', '--inbox', join(province, 'inbox'), '--out', join(dir, 'out'), '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'complete' });
    const lines = progressLines(stderr);
    // Stages in order, each one's lines together.
    const order = lines.map((l) => l.progress).filter((s, i, a) => s !== a[i - 1]);
    expect(order).toEqual(['ingest', 'match', 'gather', 'evaluate', 'store']);
    expect(new Set(lines.map((l) => l.stage))).toEqual(new Set(['导入', '人员匹配', '汇集事实', '规则判定', '保存']));
    for (const stage of order) {
      const mine = lines.filter((l) => l.progress === stage);
      expect(mine.at(-1)).toMatchObject({ percent: 100, eta_s: 0 });
      expect(mine.at(-1)!.done).toBe(mine.at(-1)!.total);
      const percents = mine.map((l) => l.percent);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(mine.every((l) => l.elapsed_s >= 0)).toBe(true);
    }
    const ingest = lines.filter((l) => l.progress === 'ingest');
    // One line as each file starts, and one at the end with every file and the rows loaded.
    expect(ingest).toHaveLength(files + 1);
    expect(ingest.at(-1)).toMatchObject({ done: files, total: files });
    expect(ingest.at(-1)!.rows).toBeGreaterThan(0);
    const rows = ingest.map((l) => l.rows!);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    // Linkage and evaluation count their steps: prepare, each partition step, merge.
    expect(lines.filter((l) => l.progress === 'match').at(-1)!.total).toBe(3);
    expect(lines.filter((l) => l.progress === 'evaluate').at(-1)!.total).toBe(3);

    // A second ingest of the same files: every file a duplicate, still reported.
    const again = await bidui(['--db', join(dir, 'store.duckdb'), 'ingest', '--inbox', join(province, 'inbox'), '--json']);
    const second = progressLines(again.stderr);
    expect(second.map((l) => l.progress)).toEqual(Array(files + 1).fill('ingest'));
    expect(second.at(-1)).toMatchObject({ done: files, total: files, percent: 100, rows: 0 });
  });
});
