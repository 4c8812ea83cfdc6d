// The link-only step's hits for a key rule with only a oneSide condition (the county + reading rule, a birth date
// missing) come from two semi joins on the key, not from the pairs; they must be the hits the pairs give.
import { describe, expect, it } from 'vitest';
import { interestStages } from '../../matchers/sql-persons.js';
import type { LinkageSettings } from '../../matchers/settings.js';
import { openDb, queryRows } from '../../pipeline/store/index.js';

const keys = "[county || ':' || name_pinyin_nodots]";
const settingsWith = (rule: Record<string, unknown>) => ({ blockingRules: [rule] }) as unknown as LinkageSettings;

describe('link-only hits of a oneSide-only key rule', () => {
  it('keeps a school record without birth date beside any anchor of its key, and any school record beside an anchor without one', async () => {
    const db = await openDb(':memory:');
    await db.run(`CREATE TABLE mentions AS SELECT * FROM (VALUES
      ('registry', 1, 'C', 'wang wei', DATE '1980-01-01'),
      ('registry', 2, 'C', 'li na', NULL),
      ('enrollment', 11, 'C', 'wang wei', NULL),
      ('enrollment', 12, 'C', 'wang wei', DATE '1981-02-02'),
      ('enrollment', 13, 'C', 'li na', DATE '1979-03-03'),
      ('enrollment', 14, 'D', 'li na', NULL),
      ('enrollment', 15, 'C', 'zhang san', NULL)
    ) AS t(feed, uid, county, name_pinyin_nodots, birth_date), (SELECT NULL::VARCHAR AS id)`);
    const hits = async (rule: Record<string, unknown>) => {
      for (const stage of interestStages(settingsWith(rule), { anchors: ['registry'], linkOnly: ['enrollment'] })) {
        if (stage.name !== 'interest') await db.run(stage.sql);
      }
      return (await queryRows<{ uid: number }>(db, `SELECT uid FROM interest_hits ORDER BY uid`)).map((r) => Number(r.uid));
    };
    const oneSide = await hits({ name: 'county + reading', keys, oneSide: 'birth_date IS NULL' });
    const pairs = await hits({ name: 'county + reading', keys, where: 'l.birth_date IS NULL OR r.birth_date IS NULL' });
    expect(oneSide).toEqual([11, 13]);
    expect(oneSide).toEqual(pairs);
  });
});
