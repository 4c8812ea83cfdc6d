// BIDUI_PROFILE_DIR: the stage runner leaves DuckDB's JSON profile of the stages it is told to, and the profile
// summary splits a statement's operator time by CTE and lists its joins with both sides' rows.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StageRunner } from '../../matchers/stage.js';
import { summarizeProfile } from '../../benchmarks/profile.js';
import { collectingLogger, memDb, queryRows } from '../matchers/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  delete process.env.BIDUI_PROFILE_DIR;
  delete process.env.BIDUI_PROFILE_STAGES;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('stage profiles', () => {
  it('are written for the named stages only, and summed by CTE with the joins and their sides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bidui-profile-'));
    dirs.push(dir);
    process.env.BIDUI_PROFILE_DIR = dir;
    process.env.BIDUI_PROFILE_STAGES = 'joined';
    const db = await memDb();
    const runner = new StageRunner(db, pino({ level: 'silent' }));
    await runner.run(
      { name: 'people', outputTable: 'people', sql: 'CREATE TABLE people AS SELECT i AS id, i % 97 AS grp FROM range(200000) t(i)' },
      {
        name: 'joined',
        outputTable: 'joined',
        sql: `CREATE TABLE joined AS WITH groups AS MATERIALIZED (SELECT grp, count(*) AS n FROM people GROUP BY grp)
              SELECT p.id, g.n FROM people p JOIN groups g USING (grp)`,
      },
    );
    expect(await queryRows(db, 'SELECT count(*)::INTEGER AS n FROM joined')).toEqual([{ n: 200000 }]);
    const files = readdirSync(dir);
    expect(files).toEqual(['001-joined.json']);
    const s = summarizeProfile(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')));
    expect(s.byCte.map((c) => c.cte).sort()).toEqual(['groups', 'main']);
    expect(s.seconds).toBeGreaterThan(0);
    expect(s.seconds).toBeCloseTo(s.byCte.reduce((a, c) => a + c.seconds, 0), 9);
    const join0 = s.joins.find((j) => j.condition.includes('grp'));
    expect(join0).toMatchObject({ cte: 'main', rows: 200000 });
    expect(join0!.sides.sort((a, b) => a - b)).toEqual([97, 200000]);
    // Profiling is off again after the stage: a later statement neither leaves a file nor overwrites this one.
    await runner.run({ name: 'after', sql: 'SELECT 42' });
    expect(readdirSync(dir)).toHaveLength(1);
    expect(summarizeProfile(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'))).byCte.map((c) => c.cte)).toContain('groups');
  });

  it('a failing stage is logged by name at error level, and profiling is off after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bidui-profile-'));
    dirs.push(dir);
    process.env.BIDUI_PROFILE_DIR = dir;
    const { logger, lines } = collectingLogger();
    const db = await memDb();
    const runner = new StageRunner(db, logger);
    await expect(runner.run({ name: 'broken', outputTable: 'x', sql: 'CREATE TABLE x AS SELECT * FROM no_such_table' })).rejects.toThrow(/no_such_table/);
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'linkage stage failed', stage: 'broken', table: 'x', err: expect.stringMatching(/no_such_table/) })]);
    delete process.env.BIDUI_PROFILE_DIR;
    await db.run('CREATE TABLE later AS SELECT 1 AS y');
    // Were profiling still on, DuckDB would write the later statement's profile to the failed stage's file.
    expect(readdirSync(dir).filter((f) => readFileSync(join(dir, f), 'utf8').includes('later'))).toEqual([]);
  });
});

