// The stage builders are pure: settings and parameters in, SQL text out. These tests read the text (the
// engine tests run it); each checks one decision a builder makes, not the whole statement.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../matchers/index.js';
import { initialParams, type TrainedParams } from '../../matchers/params.js';
import { blockingStage, bucketKeysSql, mergeVectorsStages, nodesStage, tableNames, vectorsStage, weightCase } from '../../matchers/sql.js';
import { emIterationStage, emPairsStage, emPatternsStage } from '../../matchers/sql-train.js';
import { linksStage, scoreStage } from '../../matchers/sql-score.js';
import { personLinksStage } from '../../matchers/sql-persons.js';
import { StageRunner } from '../../matchers/stage.js';
import { collectingLogger, em, exactComparison, memDb, queryRows } from './helpers.js';

const T = tableNames('t_');

const settings = (extra: Record<string, unknown> = {}) =>
  parseSettings({
    linkType: 'dedupe_only',
    uniqueIdColumn: 'id',
    blockingRules: ['l.dob = r.dob', 'l.name = r.name'],
    comparisons: [
      {
        name: 'name',
        columns: ['name'],
        levels: [
          { label: 'null', labelZh: '缺失', sql: 'l.name IS NULL OR r.name IS NULL', isNull: true },
          { label: 'exact', labelZh: '完全一致', sql: 'l.name = r.name', m: 0.9, u: 0.01, tfAdjustColumn: 'name' },
          { label: 'close', labelZh: '相近', sql: 'jaro_winkler_similarity(l.name, r.name) > 0.9', m: 0.08, u: 0.04 },
          { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.02, u: 0.95 },
        ],
      },
      exactComparison('dob', 'dob', 0.95, 0.001),
    ],
    probabilityTwoRandomRecordsMatch: 0.01,
    thresholds: { link: 0.9, review: 0.5 },
    em,
    ...extra,
  });

const flat = (sql: string) => sql.replace(/\s+/g, ' ');

describe('stage builders', () => {
  it('name the table they write under the run prefix', () => {
    const s = settings();
    expect(nodesStage(s, '"recs"', T.nodes)).toMatchObject({ name: 'nodes', outputTable: '"t_nodes"' });
    expect(blockingStage(s, T.nodes, T.candidates)).toMatchObject({ name: 'blocking', outputTable: '"t_candidates"' });
    expect(vectorsStage(s, T).outputTable).toBe('"t_comparison_vectors"');
    expect(mergeVectorsStages(T, 'x').map((st) => st.outputTable)).toEqual(['"t_comparison_vectors"', '"t_candidates"']);
  });

  it('blocking: each condition rule joins on its condition, restricted by the link type, minus the pairs of earlier rules', () => {
    const sql = flat(blockingStage(settings(), T.nodes, T.candidates).sql);
    expect(sql).toContain('0 AS match_key FROM "t_nodes" AS l JOIN "t_nodes" AS r ON (l.dob = r.dob) AND l.__rid < r.__rid UNION ALL');
    expect(sql).toContain('ON (l.name = r.name) AND l.__rid < r.__rid AND NOT coalesce((l.dob = r.dob), FALSE)');
    expect(sql).toContain('1 AS match_key');
    expect(sql).not.toContain('min(match_key)'); // no key rules: a plain UNION ALL
    const linkOnly = flat(blockingStage(settings({ linkType: 'link_only', sourceColumn: 'src' }), T.nodes, T.candidates).sql);
    expect(linkOnly).toContain('ON (l.dob = r.dob) AND l.__src < r.__src');
  });

  it('blocking: a key rule pairs records sharing a key, drops oversized blocks, applies its where, and keeps the first rule of a pair', () => {
    const s = settings({ blockingRules: ['l.dob = r.dob', { name: 'token', keys: "string_split(name, ' ')", where: 'l.dob <> r.dob', maxBlockSize: 50 }] });
    const sql = flat(blockingStage(s, T.nodes, T.candidates).sql);
    expect(sql).toContain(`SELECT __rid, __src, __k, true AS __one FROM (SELECT __rid, __src, unnest(string_split(name, ' ')) AS __k FROM "t_nodes")`);
    expect(sql).toContain('HAVING count(*) > 50');
    expect(sql).toContain('WHERE l.dob <> r.dob');
    expect(sql).toContain('a.__k = b.__k AND a.__rid < b.__rid');
    expect(sql).toContain('min(match_key) AS match_key');
    expect(sql).not.toContain('NOT coalesce'); // a key rule is not negated per pair
  });

  it('blocking: a oneSide key rule computes the keys of the records meeting it once, and looks for them among the others', () => {
    const s = settings({ blockingRules: [{ name: 'token', keys: "string_split(name, ' ')", oneSide: 'dob IS NULL' }] });
    const sql = flat(blockingStage(s, T.nodes, T.candidates).sql);
    expect(sql.match(/unnest\(string_split/g)).toHaveLength(2); // once for the records meeting it, once for the others
    expect(sql).toContain(`WITH __one_keys AS MATERIALIZED (SELECT __rid, __src, __k, true AS __one FROM (SELECT __rid, __src, unnest(string_split(name, ' ')) AS __k FROM (SELECT * FROM "t_nodes" WHERE dob IS NULL))`);
    expect(sql).toContain(`false AS __one FROM (SELECT __rid, __src, unnest(string_split(name, ' ')) AS __k FROM (SELECT * FROM "t_nodes" WHERE NOT coalesce((dob IS NULL), false)))`);
    expect(sql).toContain('SEMI JOIN (SELECT DISTINCT __k FROM __one_keys) USING (__k)');
  });

  it('blocking by bucket: key rules read their keys from the bucket, condition rules run in bucket 0 only', () => {
    const s = settings({ blockingRules: ['l.dob = r.dob', { name: 'token', keys: '[name]' }] });
    const b0 = flat(blockingStage(s, T.nodes, T.candidates, { index: 0, keys: 'bucket_keys' }).sql);
    const b1 = flat(blockingStage(s, T.nodes, T.candidates, { index: 1, keys: 'bucket_keys' }).sql);
    expect(b0).toContain('ON (l.dob = r.dob)');
    expect(b1).not.toContain('l.dob = r.dob');
    expect(b1).toContain('FROM bucket_keys WHERE rule = 1');
    expect(flat(bucketKeysSql(s, T.nodes, 8))).toContain('(hash(__k) % 8)::INTEGER AS bucket');
  });

  it('comparison vectors: one CASE per comparison, the null level −1 and the ELSE level 0', () => {
    const sql = flat(vectorsStage(settings(), T).sql);
    expect(sql).toContain(
      '(CASE WHEN (l.name IS NULL OR r.name IS NULL) THEN -1 WHEN (l.name = r.name) THEN 2 WHEN (jaro_winkler_similarity(l.name, r.name) > 0.9) THEN 1 ELSE 0 END)::TINYINT AS gamma_name',
    );
    expect(sql).toContain('l.__tf0 AS __tf0_l, r.__tf0 AS __tf0_r');
  });

  it('weights: log2(m/u) per level as an exact DOUBLE, m floored so that a level EM drove to 0 stays finite', () => {
    const s = settings();
    const p = initialParams(s, 1000);
    expect(weightCase(s.comparisons[0]!, p.comparisons[0]!.levels)).toBe(
      `CASE gamma_name WHEN 2 THEN ${Math.log2(90).toPrecision(17)}::DOUBLE WHEN 1 THEN ${Math.log2(2).toPrecision(17)}::DOUBLE WHEN 0 THEN ${Math.log2(0.02 / 0.95).toPrecision(17)}::DOUBLE ELSE 0::DOUBLE END`,
    );
    p.comparisons[1]!.levels[1]!.m = 0;
    expect(weightCase(s.comparisons[1]!, p.comparisons[1]!.levels)).toContain(`WHEN 1 THEN ${Math.log2(1e-9 / 0.001).toPrecision(17)}::DOUBLE`);
  });

  it('scoring: term-frequency weight only on the marked level, thresholds as classes', () => {
    const s = settings();
    const sql = flat(scoreStage(s, initialParams(s, 1000), T).sql);
    expect(sql).toContain('CASE WHEN gamma_name = 2 AND greatest(__tf0_l, __tf0_r) IS NOT NULL THEN');
    expect(sql).toContain('0::DOUBLE AS "tfw_dob"');
    expect(sql).toContain(`>= ${(0.9).toPrecision(17)}::DOUBLE THEN 'linked'`);
    expect(sql).toContain(`>= ${(0.5).toPrecision(17)}::DOUBLE THEN 'review'`);
  });

  it('links: the one-to-one filter appears only for listed sources', () => {
    const plain = linksStage(settings(), T).sql;
    expect(plain).not.toContain('row_number');
    const s = settings({ linkType: 'link_and_dedupe', sourceColumn: 'src', oneToOne: ['death'] });
    const sql = flat(linksStage(s, T).sql);
    expect(sql).toContain("sa NOT IN ('death') OR rk = 1");
    expect(sql).toContain('PARTITION BY a, sb ORDER BY match_weight DESC, b');
  });

  it('EM: a session leaves out the comparisons its rule uses; the E-step sums per active comparison and level', () => {
    const s = settings();
    expect(flat(emPairsStage(s, T, 'l.dob = r.dob').sql)).toContain('ON (l.dob = r.dob) AND l.__rid < r.__rid');
    expect(emPatternsStage(s, T, 'l.dob = r.dob').sql).toContain('FROM "t_em_pairs" AS c JOIN');
    expect(emPatternsStage(s, T, null).sql).toContain('FROM "t_comparison_vectors" GROUP BY ALL');
    const params: TrainedParams = initialParams(s, 1000);
    const sql = emIterationStage(T, [{ c: s.comparisons[0]!, i: 0 }], params, 0.3).sql;
    expect(sql).toContain('AS "nn0"');
    expect(sql).toContain('sum(n * p) FILTER (WHERE gamma_name = 2) AS "m0_2"');
    expect(sql).not.toContain('gamma_dob');
  });

  it('person links: the explanation carries each level with its Chinese label from the settings', () => {
    const sql = personLinksStage(settings(), 'match_').sql;
    expect(sql).toContain(`'level_zh': CASE p."gamma_name" WHEN -1 THEN '缺失' WHEN 2 THEN '完全一致' WHEN 1 THEN '相近' WHEN 0 THEN '不同' END`);
    expect(sql).toContain(`'level': CASE p."gamma_name" WHEN -1 THEN 'null' WHEN 2 THEN 'exact'`);
    expect(sql).toContain('FROM "match_pairs" p');
  });
});

describe('nodesStage', () => {
  it('numbers the records by (source, uid) and gives each value its share of the non-empty values, with or without a source', async () => {
    const db = await memDb();
    await db.run(`CREATE TABLE recs AS SELECT * FROM (VALUES (3, 'b', '王芳'), (1, 'b', '王芳'), (2, 'a', NULL), (1, 'a', '李娜'), (5, 'a', '王芳')) t(id, src, name)`);
    await db.run(`CREATE TABLE recs_one AS SELECT id * 10 + (src = 'b')::INTEGER AS id, name FROM recs`);
    const cases = [
      { s: settings({ linkType: 'link_only', sourceColumn: 'src' }), table: '"recs"', order: ['a/1', 'a/2', 'a/5', 'b/1', 'b/3'] },
      { s: settings(), table: '"recs_one"', order: ['10', '11', '20', '31', '50'] },
    ];
    for (const { s, table, order } of cases) {
      await new StageRunner(db, pino({ level: 'silent' })).run(nodesStage(s, table, T.nodes));
      const rows = await queryRows<{ __rid: number; __src: string | null; key: string; __tf0: number | null }>(
        db,
        `SELECT __rid, __src, ${s.sourceColumn ? `src || '/' || id` : 'id::VARCHAR'} AS key, __tf0 FROM ${T.nodes} ORDER BY __rid`,
      );
      expect(rows.map((r) => r.key)).toEqual(order);
      expect(rows.map((r) => r.__rid)).toEqual([1, 2, 3, 4, 5]);
      expect(rows.map((r) => r.__src)).toEqual(s.sourceColumn ? ['a', 'a', 'a', 'b', 'b'] : [null, null, null, null, null]);
      const tf = new Map(rows.map((r) => [r.key, r.__tf0]));
      expect(tf.get(s.sourceColumn ? 'a/2' : '20')).toBeNull(); // no name: no frequency
      expect(tf.get(s.sourceColumn ? 'b/3' : '31')).toBeCloseTo(3 / 4, 12); // 王芳: three of the four names
      expect(tf.get(s.sourceColumn ? 'a/1' : '10')).toBeCloseTo(1 / 4, 12);
    }
  });
});

describe('StageRunner', () => {
  it('runs stages in order, logs each with its table and time, and reports seconds per phase', async () => {
    const { logger, lines } = collectingLogger();
    const db = await memDb();
    const runner = new StageRunner(db, logger);
    await runner.run({ name: 'a', outputTable: 'a', sql: 'CREATE TABLE a AS SELECT 1 AS x' }, { name: 'b', outputTable: 'b', sql: 'CREATE TABLE b AS SELECT x + 1 AS x FROM a' });
    await runner.lap('build');
    expect(await runner.one<{ x: number }>({ name: 'read', sql: 'SELECT x FROM b' })).toEqual({ x: 2 });
    await expect(runner.one({ name: 'nothing', sql: 'SELECT 1 WHERE FALSE' })).rejects.toThrow(/nothing: query returned no rows/);
    await runner.lap('read');
    expect(Object.keys(runner.timings)).toEqual(['build', 'read']);
    const stages = lines.filter((l) => l.msg === 'linkage stage');
    expect(stages.map((l) => [l.stage, l.table])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['read', undefined],
      ['nothing', undefined],
    ]);
    expect(stages.every((l) => typeof l.ms === 'number')).toBe(true);
    // After each phase, at debug, what the work tables hold (table b is in memory).
    const memory = lines.filter((l) => l.msg === 'linkage phase memory');
    expect(memory.map((l) => l.phase)).toEqual(['build', 'read']);
    expect(memory[0]).toMatchObject({ tablesSpilledMiB: 0, spilledMiB: 0 });
    expect(memory.every((l) => typeof l.tablesMiB === 'number' && typeof l.memoryMiB === 'number')).toBe(true);
    expect(lines.length).toBe(stages.length + memory.length);
    expect(await queryRows(db, 'SELECT * FROM b')).toEqual([{ x: 2 }]);
  });

  it("turns a stage's disabled optimizers off while it runs, beside those already off, and restores them, also when it fails", async () => {
    const db = await memDb();
    await db.run(`SET disabled_optimizers = 'top_n'`);
    const runner = new StageRunner(db, pino({ level: 'silent' }));
    const setting = async () => (await queryRows<{ v: string }>(db, `SELECT current_setting('disabled_optimizers') AS v`))[0]!.v;
    const during = await runner.one<{ v: string }>({ name: 'during', sql: `SELECT current_setting('disabled_optimizers') AS v`, disabledOptimizers: ['common_subplan'] });
    expect(during.v.split(',').sort()).toEqual(['common_subplan', 'top_n']);
    expect(await setting()).toBe('top_n');
    await expect(runner.run({ name: 'bad', sql: 'SELECT * FROM missing_table', disabledOptimizers: ['common_subplan'] })).rejects.toThrow();
    expect(await setting()).toBe('top_n');
  });
});
