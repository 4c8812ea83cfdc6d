// A partition step reads its task from a job (Redis) and its done marker from a shared folder:
// both are validated before they are trusted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stepFiles, type StepTask } from '../../jobs/index.js';
import { readDone, runStep, writeParquet } from '../../jobs/steps.js';
import { openDb, queryRows, sql } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';

describe('partition steps', () => {
  it('refuses a task that does not fit the schema (a folder outside the results, an unknown step)', async () => {
    const root = tempDir('bidui-steps-');
    const escape = { step: 'match', runId: 'Q2026-09-30', rel: '../../etc', key: '0', of: 1 } as StepTask;
    await expect(runStep(root, escape)).rejects.toThrow(/bad partition step: rel/);
    const unknown = { step: 'drop', runId: 'Q2026-09-30', rel: 'Q2026-09-30/ab12', key: '0' } as unknown as StepTask;
    await expect(runStep(root, unknown)).rejects.toThrow(/bad partition step: step/);
  });

  it('writes an input file in row groups of the size asked (an evaluate chunk reads its own group)', async () => {
    const db = await openDb(':memory:');
    const file = `${tempDir('bidui-steps-')}/in.parquet`;
    await writeParquet(db, sql`SELECT range AS ord FROM range(10240)`, file, { rowGroupSize: 2048 });
    const [groups] = await queryRows<{ n: number }>(db, `SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${file}')`);
    expect(groups!.n).toBe(5);
  });

  it('takes a damaged done marker for a step not done (it runs again)', () => {
    const root = tempDir('bidui-steps-');
    const task = { step: 'match', rel: 'Q2026-09-30/ab12', key: '0' } as const;
    const { done } = stepFiles(root, task);
    mkdirSync(done.replace(/[^/]+$/, ''), { recursive: true });
    writeFileSync(done, '{"step":"match","key":"0","rows":-1');
    expect(readDone(root, task)).toBeNull();
    writeFileSync(done, JSON.stringify({ step: 'match', key: '0', rows: 12, seconds: 0.5 }));
    expect(readDone(root, task)).toEqual({ step: 'match', key: '0', rows: 12, seconds: 0.5 });
  });
});

describe('bidui status --queue', () => {
  it('speaks Chinese: job states and job names in words, times in Beijing time', async () => {
    const { formatQueueStatus } = await import('../../jobs/index.js');
    const lines = formatQueueStatus({
      queues: [{ name: 'bidui-store', counts: { waiting: 1, active: 0, failed: 2 } }],
      active: [],
      failed: [{ queue: 'bidui-store', id: '7', name: 'ingest-file', attempts: 3, reason: '文件不存在', failedAt: '2026-12-31T20:00:00.000Z' }],
      schedules: [{ id: 'quarterly', job: 'quarter', pattern: '0 2 1 1,4,7,10 *', tz: 'Asia/Shanghai', next: '2027-01-01T18:00:00.000Z' }],
    } as Parameters<typeof formatQueueStatus>[0]);
    const text = lines.join('\n');
    expect(text).toContain('bidui-store：等待 1，运行中 0，失败 2');
    expect(text).toContain('导入文件（bidui-store，任务 7）失败于 2027-01-01 04:00:00 北京时间，尝试 3 次：文件不存在');
    expect(text).toContain('quarterly（季度比对）0 2 1 1,4,7,10 * Asia/Shanghai，下次运行 2027-01-02 02:00:00 北京时间');
    expect(text).not.toMatch(/\((queues|running|failed|schedules)/);
  });
});
