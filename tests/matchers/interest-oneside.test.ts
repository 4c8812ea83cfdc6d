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

  it('with a condition too, keeps exactly the link-only mentions of a pair that meets it with one side meeting oneSide', async () => {
    // Anchors and school records sharing tokens; oneSide v = '2' on either side; the condition reads both sides.
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
    const rows = Array.from({ length: 120 }, (_, i) => ({
      feed: i < 40 ? 'registry' : 'enrollment',
      uid: i,
      k: [rand(12), rand(12)].map((x) => `t${x}`).join(','),
      v: String(1 + rand(3)),
      w: String(rand(2)),
    }));
    const db = await openDb(':memory:');
    await db.run(`CREATE TABLE mentions AS SELECT * FROM (VALUES ${rows.map((r) => `('${r.feed}', ${r.uid}, '${r.k}', '${r.v}', '${r.w}')`).join(', ')}) AS t(feed, uid, k, v, w), (SELECT NULL::VARCHAR AS id)`);
    const rule = { name: 'token', keys: "string_split(k, ',')", oneSide: "v = '2'", where: 'l.w <> r.w' };
    for (const stage of interestStages(settingsWith(rule), { anchors: ['registry'], linkOnly: ['enrollment'] })) {
      if (stage.name !== 'interest') await db.run(stage.sql);
    }
    const got = (await queryRows<{ uid: number }>(db, `SELECT uid FROM interest_hits ORDER BY uid`)).map((r) => Number(r.uid));
    const tokens = (r: (typeof rows)[0]) => r.k.split(',');
    const anchors = rows.filter((r) => r.feed === 'registry');
    const expected = rows
      .filter((r) => r.feed === 'enrollment')
      .filter((r) => anchors.some((a) => tokens(a).some((t) => tokens(r).includes(t)) && (a.v === '2' || r.v === '2') && a.w !== r.w))
      .map((r) => r.uid);
    expect(got).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.length).toBeLessThan(80);
  });
});
