// Retention (issue 18 item 12, RULES.md §4): the feeds of batches loaded more than
// retention.feedDays ago are deleted (rows, raw rows, quarantine, findings, names), audited; recent
// batches stay, and so do the records the evidence of a flag within retention points to.
import { insertPlain } from '../helpers.js';
import { describe, expect, it } from 'vitest';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { applyRetention } from '../../review/index.js';
import { insertFlag, insertRun } from './fixture.js';

async function batch(db: Db, id: number, feed: string, daysAgo: number): Promise<void> {
  await db.run(
    `INSERT INTO ingest_batches (batch_id, feed, source, file_name, file_path, file_size, content_hash, status, rows_loaded, started_at, finished_at)
     VALUES (${id}, '${feed}', '${feed}', 'f${id}.csv', '/inbox/f${id}.csv', 1, 'h${id}', 'loaded', 2,
             CAST(now() AS TIMESTAMP) - INTERVAL ${daysAgo + 1} DAY, CAST(now() AS TIMESTAMP) - INTERVAL ${daysAgo} DAY)`,
  );
}

async function deathRow(db: Db, batchId: number, row: number, name: string): Promise<void> {
  await insertPlain(db, 'feed_death',
    `INSERT INTO feed_death (batch_id, src_row, src_line, raw, name, death_date, record_id) VALUES (${batchId}, ${row}, ${row + 1}, '{"姓名":"${name}"}', '${name}', DATE '2024-01-01', 'D${batchId}-${row}')`,
  );
  await insertPlain(db, 'name_forms',`INSERT INTO name_forms (name) SELECT '${name}' WHERE NOT EXISTS (SELECT 1 FROM name_forms WHERE name = '${name}')`);
}

async function store(): Promise<Db> {
  const db = await openStore(':memory:');
  await batch(db, 1, 'death', 500); // old
  await batch(db, 2, 'death', 10); // recent
  for (const [r, n] of [[1, '甲一'], [2, '甲二'], [3, '甲三']] as const) await deathRow(db, 1, r, n);
  for (const [r, n] of [[1, '乙一'], [2, '乙二']] as const) await deathRow(db, 2, r, n);
  await insertPlain(db, 'quarantine',`INSERT INTO quarantine VALUES (1, 9, 10, 'death_date', 'BAD_DATE', '日期无效', '甲九,2024-13-01'), (2, 9, 10, 'death_date', 'BAD_DATE', '日期无效', '乙九,2024-13-01')`);
  await db.run(`INSERT INTO findings VALUES (1, 1, 2, 'id_number', 'BAD_CHECK_DIGIT'), (1, 2, 3, 'id_number', 'ZERO_TAIL'), (2, 1, 2, 'id_number', 'BAD_CHECK_DIGIT')`);
  return db;
}

const count = async (db: Db, q: string) => (await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM (${q})`))[0]!.n;

describe('retention', () => {
  it('deletes the rows, raw rows, quarantine, findings and names of old batches; keeps recent ones and the batch records; audits', async () => {
    const db = await store();
    const r = await applyRetention(db, { feedDays: 400, actor: '运维员' });
    expect(r.batches).toEqual([1]);
    expect(r.deleted.death).toBe(3);
    expect(r.quarantine).toBe(1);
    expect(await queryRows(db, `SELECT batch_id, src_row FROM feed_death ORDER BY ALL`)).toEqual([
      { batch_id: 2, src_row: 1 },
      { batch_id: 2, src_row: 2 },
    ]);
    expect(await count(db, `SELECT 1 FROM quarantine WHERE batch_id = 1`)).toBe(0);
    expect(await count(db, `SELECT 1 FROM quarantine WHERE batch_id = 2`)).toBe(1);
    expect(await count(db, `SELECT 1 FROM findings WHERE batch_id = 1`)).toBe(0);
    expect(await count(db, `SELECT 1 FROM findings WHERE batch_id = 2`)).toBe(1);
    expect((await queryRows<{ name: string }>(db, `SELECT name FROM name_forms ORDER BY name`)).map((x) => x.name).sort()).toEqual(['乙一', '乙二']);
    // The batch record stays: the same file in the inbox is not loaded again.
    expect(await count(db, `SELECT 1 FROM ingest_batches`)).toBe(2);
    const audit = await queryRows<{ actor: string; action: string; rows: number; detail: string }>(
      db,
      `SELECT actor, action, rows, CAST(detail AS VARCHAR) AS detail FROM audit_log WHERE action = 'retention'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: '运维员', action: 'retention', rows: 3 });
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ feedDays: 400, batches: [1], deleted: { death: 3 }, quarantine: 1 });
    // Applying it again deletes nothing more, and is audited again.
    const again = await applyRetention(db, { feedDays: 400 });
    expect(Object.values(again.deleted).reduce((n, x) => n + x, 0)).toBe(0);
    expect(await count(db, `SELECT 1 FROM audit_log WHERE action = 'retention' AND actor = 'system'`)).toBe(1);
  });

  it('follows the configured days', async () => {
    const db = await store();
    expect((await applyRetention(db, { feedDays: 600 })).batches).toEqual([]);
    expect(await count(db, `SELECT 1 FROM feed_death`)).toBe(5);
    expect((await applyRetention(db, { feedDays: 5 })).batches).toEqual([1, 2]);
    expect(await count(db, `SELECT 1 FROM feed_death`)).toBe(0);
  });

  it('keeps the records the evidence of a flag of a run within retention points to, not those of older runs', async () => {
    const db = await store();
    const evidence = (row: number) => [{ feed: 'death', record_id: `D1-${row}`, date: '2024-01-01', score: 0.99, role: 'father', batch_id: 1, src_row: row }];
    await insertRun(db, 'Q2025-03-31', '2025-03-31'); // finished long ago (fixture: as-of 08:05)
    await insertFlag(db, { flag_id: 'OLD-FLAG', run_id: 'Q2025-03-31', flag: 'ADD', category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', evidence: evidence(1) });
    await db.run(`INSERT INTO runs (run_id, as_of, status, started_at, finished_at, config, input_batches) VALUES ('Q-RECENT', DATE '2026-09-30', 'complete', CAST(now() AS TIMESTAMP), CAST(now() AS TIMESTAMP), '{}', [1, 2])`);
    await insertFlag(db, { flag_id: 'NEW-FLAG', run_id: 'Q-RECENT', as_of: '2026-09-30', flag: 'ADD', category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', evidence: evidence(2) });
    const r = await applyRetention(db, { feedDays: 400 });
    expect(r.deleted.death).toBe(2);
    expect(r.kept).toBe(1);
    expect(await queryRows(db, `SELECT batch_id, src_row FROM feed_death WHERE batch_id = 1`)).toEqual([{ batch_id: 1, src_row: 2 }]);
    expect(await count(db, `SELECT 1 FROM findings WHERE batch_id = 1`)).toBe(1); // the kept row's finding
    expect(await count(db, `SELECT 1 FROM name_forms WHERE name = '甲二'`)).toBe(1);
    // The flags themselves are kept, whatever their age.
    expect(await count(db, `SELECT 1 FROM flags`)).toBe(2);
  });
});
