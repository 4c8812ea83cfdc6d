// No stage of the person linkage joins by nested loops. DuckDB hashes a join on equalities; a condition it cannot hash
// (a test of the preserved side's column in a LEFT JOIN's ON clause, an OR, an inequality alone) makes it compare
// every row with every row, a cost that grows with the square of the store: the name-only subjects stage took 11.4 s
// of 11.6 s that way on two million rows (1de2006). Every stage's plan is read (EXPLAIN) just before it runs, on a
// small adversarial scenario through the real ingest.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateAdversarial } from '../../benchmarks/adversarial/generate.js';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { linkPersons } from '../../matchers/index.js';
import { StageRunner, type Stage } from '../../matchers/stage.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';

const NESTED = /BLOCKWISE_NL_JOIN|NESTED_LOOP_JOIN/g;

let db: Db;
const nested = async (sql: string): Promise<string[]> => {
  const plan = await queryRows<Record<string, string>>(db, `EXPLAIN ${sql}`);
  return [...new Set(plan.flatMap((r) => Object.values(r)).join('\n').match(NESTED) ?? [])];
};

beforeAll(async () => {
  const out = tempDir();
  await generateAdversarial({ seed: 3, size: 'tiny', out, asOf: '2026-09-30', families: 600 });
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox: join(out, 'inbox') }));
  expect(reports.every((r) => r.status === 'loaded')).toBe(true);
}, 120_000);

afterAll(() => vi.restoreAllMocks());

describe('the plans of the person linkage', () => {
  it('join every table by hashing', async () => {
    const found: string[] = [];
    const explained: string[] = [];
    const check = async (stage: Stage) => {
      if (!/^\s*(CREATE|INSERT|UPDATE|SELECT|WITH)\b/i.test(stage.sql)) return;
      explained.push(stage.name);
      for (const op of await nested(stage.sql)) found.push(`${stage.name}: ${op}`);
    };
    const run = StageRunner.prototype.run;
    const rows = StageRunner.prototype.rows;
    vi.spyOn(StageRunner.prototype, 'run').mockImplementation(async function (this: StageRunner, ...stages: Stage[]) {
      for (const stage of stages) {
        await check(stage);
        await run.call(this, stage);
      }
    });
    vi.spyOn(StageRunner.prototype, 'rows').mockImplementation(async function <T>(this: StageRunner, stage: Stage) {
      await check(stage);
      return rows.call(this, stage) as Promise<T[]>;
    });
    const result = await linkPersons(db, { runId: 'plans' });
    expect(result.counts.nameOnlyLinks).toBeGreaterThan(0);
    expect(explained).toEqual(expect.arrayContaining(['mentions', 'name_only_candidates', 'name_only_subjects', 'household_links']));
    expect(found).toEqual([]);
  }, 120_000);

  it('would see a nested loop: a LEFT JOIN testing the preserved side in its ON clause', async () => {
    expect(await nested(`SELECT count(*) FROM mentions m LEFT JOIN feed_death d ON m.feed = 'death' AND d.batch_id = m.batch_id AND d.src_row = m.src_row`)).toEqual([
      'BLOCKWISE_NL_JOIN',
    ]);
    expect(await nested(`SELECT count(*) FROM mentions m LEFT JOIN feed_death d ON d.batch_id = m.batch_id AND d.src_row = m.src_row`)).toEqual([]);
  });
});
