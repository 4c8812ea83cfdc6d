import { describe, expect, it } from 'vitest';
import { runLinkage } from '../../matchers/index.js';
import { em, exactComparison, makeTable, memDb, queryRows } from './helpers.js';
import type { Db } from '../../pipeline/store/db.js';

// Links when x or y agree (so A–B via x, B–C via y: a chain whose ends do not agree).
const chainSettings = {
  linkType: 'dedupe_only',
  uniqueIdColumn: 'id',
  blockingRules: ['l.x = r.x', 'l.y = r.y'],
  comparisons: [
    {
      name: 'xy',
      columns: ['x', 'y'],
      levels: [
        { label: 'x or y', labelZh: 'x 或 y 相同', sql: 'l.x = r.x OR l.y = r.y', m: 0.99, u: 0.001 },
        { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.01, u: 0.999 },
      ],
    },
  ],
  probabilityTwoRandomRecordsMatch: 0.01,
  thresholds: { link: 0.5, review: 0.1 },
  em,
};

async function clusters(db: Db, prefix: string): Promise<Record<string, string>> {
  const rows = await queryRows<{ k: string; cluster_id: string }>(
    db,
    `SELECT coalesce(source || ':', '') || uid AS k, cluster_id FROM ${prefix}clusters ORDER BY k`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.cluster_id]));
}

describe('clusters', () => {
  const records = [
    { id: 'k', x: '1', y: '10' },
    { id: 'c', x: '1', y: '20' },
    { id: 'm', x: '2', y: '20' },
    { id: 'b', x: '2', y: '30' }, // joins k–c–m–b in a chain of three links
    { id: 'z', x: '7', y: '70' },
    { id: 'y', x: '7', y: '71' },
    { id: 'q', x: '9', y: '90' }, // alone
  ];

  it('are connected components of linked pairs, named by their smallest uid', async () => {
    const db = await memDb();
    await makeTable(db, 'chain', records);
    const r = await runLinkage(db, { settings: chainSettings, inputTable: 'chain', outputPrefix: 'cc_', train: false });
    expect(r.counts.linkedPairs).toBe(4);
    expect(await clusters(db, 'cc_')).toEqual({ b: 'b', c: 'b', k: 'b', m: 'b', q: 'q', y: 'y', z: 'y' });
    expect(r.counts.clusters).toBe(3);
    const sizes = await queryRows<{ uid: string; cluster_size: number }>(db, `SELECT uid, cluster_size FROM cc_clusters WHERE uid IN ('k', 'q')`);
    expect(Object.fromEntries(sizes.map((s) => [s.uid, s.cluster_size]))).toEqual({ k: 4, q: 1 });
  });

  it('keep their ids when the input order changes or unrelated records arrive', async () => {
    const db = await memDb();
    await makeTable(db, 'chain2', [...records.slice().reverse(), { id: 'a', x: '5', y: '50' }]);
    await runLinkage(db, { settings: chainSettings, inputTable: 'chain2', outputPrefix: 'cc2_', train: false });
    expect(await clusters(db, 'cc2_')).toEqual({ a: 'a', b: 'b', c: 'b', k: 'b', m: 'b', q: 'q', y: 'y', z: 'y' });
  });

  it('one-to-one: a listed source keeps only its best link into each other source', async () => {
    const db = await memDb();
    // a1 agrees with b1 on name and dob, with b2 on name only; b2 also links to c1.
    await makeTable(db, 'oto', [
      { id: '1', src: 'a', name: 'li', dob: 'd1' },
      { id: '1', src: 'b', name: 'li', dob: 'd1' },
      { id: '2', src: 'b', name: 'li', dob: 'd2' },
      { id: '1', src: 'c', name: 'li', dob: 'd9' },
    ]);
    const settings = (oneToOne?: string[]) => ({
      linkType: 'link_only',
      uniqueIdColumn: 'id',
      sourceColumn: 'src',
      blockingRules: ['l.name = r.name'],
      comparisons: [exactComparison('name', 'name', 0.9, 0.001), exactComparison('dob', 'dob', 0.9, 0.01)],
      probabilityTwoRandomRecordsMatch: 0.1,
      thresholds: { link: 0.5, review: 0.1 },
      em,
      ...(oneToOne ? { oneToOne } : {}),
    });
    await runLinkage(db, { settings: settings(), inputTable: 'oto', outputPrefix: 'free_', train: false });
    const free = await clusters(db, 'free_');
    expect(new Set(Object.values(free)).size).toBe(1); // everything chains together
    const r = await runLinkage(db, { settings: settings(['a']), inputTable: 'oto', outputPrefix: 'oto_', train: false });
    const links = await queryRows<{ p: string }>(db, `SELECT src_l || uid_l || '-' || src_r || uid_r AS p FROM oto_links ORDER BY p`);
    // a1–b2 is dropped (a1's best link into b is b1); a1–c1 stays (its only link into c); b and c are not listed.
    expect(links.map((l) => l.p)).toEqual(['a1-b1', 'a1-c1', 'b1-c1', 'b2-c1']);
    expect(r.counts.linkedPairs).toBe(4);
    const r2 = await runLinkage(db, { settings: settings(['a', 'b', 'c']), inputTable: 'oto', outputPrefix: 'oto2_', train: false });
    const links2 = await queryRows<{ p: string }>(db, `SELECT src_l || uid_l || '-' || src_r || uid_r AS p FROM oto2_links ORDER BY p`);
    // c1's best into b is b1 (tie on weight broken by the smaller record); every record keeps one link per source.
    expect(links2.map((l) => l.p)).toEqual(['a1-b1', 'a1-c1', 'b1-c1']);
    expect(r2.counts.clusters).toBe(2);
    expect(await clusters(db, 'oto2_')).toEqual({ 'a:1': 'a:1', 'b:1': 'a:1', 'b:2': 'b:2', 'c:1': 'a:1' });
  });
});
