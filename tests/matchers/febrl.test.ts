import { describe, expect, it } from 'vitest';
import { runFebrl } from '../../benchmarks/febrl-data.js';
import { memDb, queryRows } from './helpers.js';

describe('FEBRL4 (5,000 + 5,000 records, link_only, no labels in training)', () => {
  it('reaches F1 ≥ 0.999 with full blocking recall', async () => {
    const db = await memDb();
    const r = await runFebrl(db, 'febrl4');
    const e = r.evaluation!;
    expect(e.truePairs).toBe(5000);
    expect(e.blockingRecall).toBeGreaterThanOrEqual(0.999);
    expect(e.f1).toBeGreaterThanOrEqual(0.999);
    // Every linked pair is explained, comparison by comparison; params are plain JSON.
    const [ex] = await queryRows<{ n: number }>(db, `SELECT count(DISTINCT (rid_l, rid_r))::INTEGER AS n FROM febrl4_match_explanations`);
    expect(ex!.n).toBe(r.counts.candidatePairs);
    expect(JSON.parse(JSON.stringify(r.params))).toEqual(r.params);
    // Names carry a term-frequency adjustment.
    const [tf] = await queryRows<{ lo: number; hi: number }>(db, `SELECT min(tfw_surname) AS lo, max(tfw_surname) AS hi FROM febrl4_pairs WHERE gamma_surname = 4`);
    expect(tf!.lo).toBeLessThan(0);
    expect(tf!.hi).toBeGreaterThan(0);
  });
});
