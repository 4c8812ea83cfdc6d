// Engine extensions used by the identity settings: key blocking rules, EM with an m prior, fixed levels.
import { describe, expect, it } from 'vitest';
import { parseSettings, runLinkage, SettingsError } from '../../matchers/index.js';
import { ruleUsesComparison } from '../../matchers/sql.js';
import { em, exactComparison, makeTable, memDb, queryRows } from './helpers.js';

const records = [
  { id: 'a', k: 'x,y', v: '1' },
  { id: 'b', k: 'y,z', v: '1' },
  { id: 'c', k: 'z', v: '2' },
  { id: 'd', k: 'w', v: '1' },
  { id: 'e', k: 'q', v: '3' },
];

const base = {
  linkType: 'dedupe_only',
  uniqueIdColumn: 'id',
  comparisons: [exactComparison('v', 'v', 0.9, 0.1)],
  probabilityTwoRandomRecordsMatch: 0.1,
  thresholds: { link: 0.5, review: 0.2 },
  em,
};

async function candidates(settings: unknown, recs: Record<string, string>[] = records): Promise<{ pairs: string[]; perRule: number[] }> {
  const db = await memDb();
  await makeTable(db, 'recs', recs);
  const r = await runLinkage(db, { settings, inputTable: 'recs', outputPrefix: 'k_', train: false });
  const rows = await queryRows<{ p: string }>(
    db,
    `SELECT l.id || r.id || ':' || c.match_key AS p FROM k_candidates c JOIN k_nodes l ON l.__rid = c.rid_l JOIN k_nodes r ON r.__rid = c.rid_r ORDER BY 1`,
  );
  return { pairs: rows.map((x) => x.p), perRule: r.counts.candidatesPerRule };
}

describe('key blocking rules', () => {
  it('pair records sharing any generated key, each pair once, attributed to the first rule', async () => {
    const r = await candidates({
      ...base,
      blockingRules: ['l.v = r.v', { name: 'shared token', keys: "string_split(k, ',')" }],
    });
    // v: ab, ad, bd; keys: ab (y, already rule 0), bc (z)
    expect(r.pairs).toEqual(['ab:0', 'ad:0', 'bc:1', 'bd:0']);
    expect(r.perRule).toEqual([3, 1]);
  });

  it('apply their extra condition and skip oversized blocks', async () => {
    const withWhere = await candidates({ ...base, blockingRules: [{ name: 'tok', keys: "string_split(k, ',')", where: "r.v = '2'" }] });
    expect(withWhere.pairs).toEqual(['bc:0']);
    const db = await memDb();
    await makeTable(db, 'recs', [...records, { id: 'f', k: 'z', v: '4' }]);
    const r = await runLinkage(db, {
      settings: { ...base, blockingRules: [{ name: 'tok', keys: "string_split(k, ',')", maxBlockSize: 2 }] },
      inputTable: 'recs',
      outputPrefix: 'k_',
      train: false,
    });
    // z is shared by b, c, f (3 > 2): skipped; y gives ab
    expect(r.counts.candidatePairs).toBe(1);
  });

  it('with oneSide, pair only records of which one meets it', async () => {
    const all = await candidates({ ...base, blockingRules: [{ name: 'tok', keys: "string_split(k, ',')" }] });
    expect(all.pairs).toEqual(['ab:0', 'bc:0']);
    // y pairs a and b (both v = 1): no; z pairs b and c (c: v = 2)
    const one = await candidates({ ...base, blockingRules: [{ name: 'tok', keys: "string_split(k, ',')", oneSide: "v = '2'" }] });
    expect(one.pairs).toEqual(['bc:0']);
  });

  it('with oneSide, give every pair of a block that has a record meeting it on either side, each once, in the pair order', async () => {
    // Blocks with several records meeting oneSide (v = '2') and several not, for both pair orders (dedupe: ids;
    // link only: sources), checked against every pair of the records worked out here.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
    const recs = Array.from({ length: 80 }, (_, i) => ({
      id: `r${String(i).padStart(2, '0')}`,
      k: [rand(9), rand(9)].map((x) => `t${x}`).join(','),
      v: String(1 + rand(2)),
      src: `s${rand(3)}`,
    }));
    // Records are numbered by source, then id (nodes' __rid): the dedupe pair order.
    const order = { dedupe_only: (a: (typeof recs)[0], b: (typeof recs)[0]) => a.src + a.id < b.src + b.id, link_only: (a: (typeof recs)[0], b: (typeof recs)[0]) => a.src < b.src };
    for (const linkType of ['dedupe_only', 'link_only'] as const) {
      const expected = new Set<string>();
      for (const a of recs)
        for (const b of recs) {
          const shared = a.k.split(',').some((t) => b.k.split(',').includes(t));
          if (shared && order[linkType](a, b) && (a.v === '2' || b.v === '2')) expected.add(`${a.id}${b.id}:0`);
        }
      const got = await candidates({ ...base, linkType, sourceColumn: 'src', blockingRules: [{ name: 'tok', keys: "string_split(k, ',')", oneSide: "v = '2'" }] }, recs);
      expect(got.pairs).toEqual([...expected].sort());
      expect(got.pairs.length).toBeGreaterThan(100);
    }
  });

  it('are validated and known to EM session selection', () => {
    expect(() => parseSettings({ ...base, blockingRules: [{ name: 'x' }] })).toThrow(SettingsError);
    const c = exactComparison('v', 'v');
    expect(ruleUsesComparison({ name: 'r', keys: "list_transform(string_split(k, ','), x -> v || x)" }, c)).toBe(true);
    expect(ruleUsesComparison({ name: 'r', keys: "string_split(k, ',')" }, c)).toBe(false);
    expect(ruleUsesComparison({ name: 'r', keys: 'k', where: 'l.v = r.v' }, c)).toBe(true);
    expect(ruleUsesComparison({ name: 'r', keys: 'k', oneSide: "v <> '1'" }, c)).toBe(true);
  });
});

describe('EM extensions', () => {
  it('a fixed level keeps its m and u; the m prior keeps unseen levels away from zero', async () => {
    const db = await memDb();
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: `r${i}`, g: String(Math.floor(i / 2)), v: String(Math.floor(i / 2) % 7), w: i % 2 ? 'p' : 'q' }));
    await makeTable(db, 'recs', rows);
    const settings = {
      linkType: 'dedupe_only',
      uniqueIdColumn: 'id',
      blockingRules: ['l.g = r.g', 'l.v = r.v'],
      comparisons: [
        {
          name: 'v',
          columns: ['v'],
          levels: [
            { label: 'exact', labelZh: '完全一致', sql: 'l.v = r.v', m: 0.9 },
            { label: 'never seen', labelZh: '从未出现', sql: "l.v = 'none'", m: 0.05 },
            { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.05 },
          ],
        },
        {
          name: 'w',
          columns: ['w'],
          levels: [
            { label: 'exact', labelZh: '完全一致', sql: 'l.w = r.w', m: 0.3, u: 0.01, fixed: true },
            { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.7 },
          ],
        },
      ],
      thresholds: { link: 0.5, review: 0.2 },
      em: { maxIterations: 20, tolerance: 1e-6, trainingBlockingRules: ['l.g = r.g'], mPriorPairs: 10 },
    };
    const r = await runLinkage(db, { settings, inputTable: 'recs', outputPrefix: 'e_' });
    const v = r.params.comparisons[0]!.levels;
    expect(v[1]!.m!).toBeGreaterThan(0.005); // 10 pseudo-pairs of 0.05 over 30 pairs
    const w = r.params.comparisons[1]!.levels[0]!;
    expect(w.m).toBe(0.3);
    expect(w.u).toBe(0.01);
    expect(() => parseSettings({ ...settings, comparisons: [{ ...settings.comparisons[1], levels: [{ label: 'x', labelZh: '真', sql: 'TRUE', fixed: true, m: 0.5 }, { label: 'e', labelZh: '其他', sql: 'ELSE' }] }] })).toThrow(
      /fixed level needs m and u/,
    );
  });
});
