import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openDb, queryRows } from '../../pipeline/store/index.js';
import { ALL_FEED_SPECS, feedColumns } from '../../pipeline/store/schema.js';

describe('store migrations', () => {
  it('v4 moves the inline name forms of a v3 store into name_forms and drops the columns; v5 drops the key', async () => {
    const db = await openDb(':memory:');
    // A store as version 3 left it, with rows in the v1 layout (made in the store, not in the work database).
    await db.run('USE memory');
    await db.run(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)`);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) {
      await db.run(m.sql!);
      await db.run(`INSERT INTO schema_migrations VALUES (${m.version}, 'v${m.version}', now())`);
    }
    await db.run(`INSERT INTO feed_death (batch_id, src_row, src_line, raw, name, name_norm, name_simplified, name_pinyin, name_pinyin_alts, name_surname, name_given, name_tokens, death_date)
      VALUES (1, 1, 2, '{}', '陳欣怡', '陳欣怡', '陈欣怡', 'chenxinyi', ['chenxinyi'], '陈', '欣怡', ['陈', '欣', '怡'], DATE '2024-01-01'),
             (1, 2, 3, '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, DATE '2024-01-02')`);
    // The same name in a later batch, stored with other forms (an older normalisation): the latest wins.
    await db.run(`INSERT INTO feed_enrollment (batch_id, src_row, src_line, raw, name, name_pinyin, guardian1_name, guardian1_name_norm, guardian1_name_simplified,
        guardian1_name_pinyin, guardian1_name_pinyin_alts, guardian1_name_surname, guardian1_name_given, guardian1_name_tokens, status)
      VALUES (2, 1, 2, '{}', '李雷', 'lilei', '陳欣怡', '陳欣怡', '陈欣怡', 'chenxinyi', ['chenxinyi', 'chenxinyi2'], '陈', '欣怡', ['陈', '欣', '怡'], 'ENROLLED')`);

    expect(await migrate(db)).toEqual(MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version));

    const forms = await queryRows(db, `SELECT name, simplified, pinyin, pinyin_alts, surname, tokens FROM name_forms ORDER BY name`);
    expect(forms).toEqual([
      { name: '李雷', simplified: null, pinyin: 'lilei', pinyin_alts: null, surname: null, tokens: null },
      { name: '陳欣怡', simplified: '陈欣怡', pinyin: 'chenxinyi', pinyin_alts: ['chenxinyi', 'chenxinyi2'], surname: '陈', tokens: ['陈', '欣', '怡'] },
    ]);
    // v5: the same rows, without the primary key.
    const constraints = await queryRows(db, `SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'name_forms'`);
    expect(constraints).toEqual([]);
    const cols = await queryRows<{ column_name: string }>(db, `SELECT column_name FROM (DESCRIBE feed_death)`);
    expect(cols.map((c) => c.column_name).filter((c) => c.startsWith('name'))).toEqual(['name']);
    const rows = await queryRows(db, `SELECT src_row, name, death_date FROM feed_death ORDER BY src_row`);
    expect(rows).toEqual([
      { src_row: 1, name: '陳欣怡', death_date: '2024-01-01' },
      { src_row: 2, name: null, death_date: '2024-01-02' },
    ]);
  });

  it('a new store gets the current layout', async () => {
    const db = await openDb(':memory:');
    await migrate(db);
    const cols = await queryRows<{ column_name: string }>(db, `SELECT column_name FROM (DESCRIBE feed_registry)`);
    expect(cols.map((c) => c.column_name).filter((c) => c.includes('name'))).toEqual(['name', 'father_name', 'mother_name', 'carer_name']);
    expect(await migrate(db)).toEqual([]);
  });

  it('every feed table of a new store has the columns of its spec (v11 created the five optional feeds as specified)', async () => {
    const db = await openDb(':memory:');
    await migrate(db);
    for (const spec of ALL_FEED_SPECS) {
      const cols = await queryRows<{ column_name: string; column_type: string }>(db, `SELECT column_name, column_type FROM (DESCRIBE ${spec.table})`);
      expect({ table: spec.table, cols: cols.map((c) => c.column_name) }).toEqual({ table: spec.table, cols: feedColumns(spec).map((c) => c.name) });
    }
  });
});
