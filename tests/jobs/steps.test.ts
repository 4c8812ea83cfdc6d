// A partition step reads its task from a job (Redis) and its done marker from a shared folder:
// both are validated before they are trusted.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stepFiles, type StepTask } from '../../jobs/index.js';
import { readDone, runStep } from '../../jobs/steps.js';
import { tempDir } from '../helpers.js';

describe('partition steps', () => {
  it('refuses a task that does not fit the schema (a folder outside the results, an unknown step)', async () => {
    const root = tempDir('bidui-steps-');
    const escape = { step: 'match', runId: 'Q2026-09-30', rel: '../../etc', key: '0', of: 1 } as StepTask;
    await expect(runStep(root, escape)).rejects.toThrow(/bad partition step: rel/);
    const unknown = { step: 'drop', runId: 'Q2026-09-30', rel: 'Q2026-09-30/ab12', key: '0' } as unknown as StepTask;
    await expect(runStep(root, unknown)).rejects.toThrow(/bad partition step: step/);
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
