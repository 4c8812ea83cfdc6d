import { describe, expect, it } from 'vitest';
import { runLinkage, settingsWithParams } from '../../matchers/index.js';
import { em, exactComparison, makeTable, memDb, queryRows } from './helpers.js';

describe('blocking', () => {
  it('unions rules without repeating pairs; earlier rules own a pair', async () => {
    const db = await memDb();
    await makeTable(db, 'people', [
      { id: 'p1', name: 'ann', dob: '1990' },
      { id: 'p2', name: 'ann', dob: '1990' },
      { id: 'p3', name: 'ann', dob: '1991' },
      { id: 'p4', name: 'bob', dob: '1990' },
      { id: 'p5', name: 'cat', dob: '1980' },
    ]);
    const r = await runLinkage(db, {
      settings: {
        linkType: 'dedupe_only',
        uniqueIdColumn: 'id',
        blockingRules: ['l.name = r.name', 'l.dob = r.dob'],
        comparisons: [exactComparison('name', 'name')],
        probabilityTwoRandomRecordsMatch: 0.1,
        thresholds: { link: 0.5, review: 0.2 },
        em,
      },
      inputTable: 'people',
      outputPrefix: 'b_',
      train: false,
    });
    const rows = await queryRows<{ a: string; b: string; k: number }>(
      db,
      `SELECT l.__uid a, r.__uid b, c.match_key k FROM b_candidates c JOIN b_nodes l ON l.__rid = c.rid_l JOIN b_nodes r ON r.__rid = c.rid_r ORDER BY a, b`,
    );
    expect(rows).toEqual([
      { a: 'p1', b: 'p2', k: 0 },
      { a: 'p1', b: 'p3', k: 0 },
      { a: 'p1', b: 'p4', k: 1 },
      { a: 'p2', b: 'p3', k: 0 },
      { a: 'p2', b: 'p4', k: 1 },
    ]);
    expect(r.counts.candidatesPerRule).toEqual([3, 2]);
  });

  it('link_only pairs only records of different sources, each pair once', async () => {
    const db = await memDb();
    await makeTable(db, 'src', [
      { id: '1', src: 'a', name: 'ann' },
      { id: '2', src: 'a', name: 'ann' },
      { id: '1', src: 'b', name: 'ann' },
      { id: '3', src: 'c', name: 'ann' },
    ]);
    const r = await runLinkage(db, {
      settings: {
        linkType: 'link_only',
        uniqueIdColumn: 'id',
        sourceColumn: 'src',
        blockingRules: ['l.name = r.name'],
        comparisons: [exactComparison('name', 'name')],
        probabilityTwoRandomRecordsMatch: 0.1,
        thresholds: { link: 0.5, review: 0.2 },
        em,
      },
      inputTable: 'src',
      outputPrefix: 'lo_',
      train: false,
      labelsColumn: 'name',
    });
    const rows = await queryRows<{ p: string }>(db, `SELECT src_l || uid_l || '-' || src_r || uid_r AS p FROM lo_pairs ORDER BY p`);
    expect(rows.map((x) => x.p)).toEqual(['a1-b1', 'a1-c3', 'a2-b1', 'a2-c3', 'b1-c3']);
    expect(r.evaluation!.blockingRecall).toBe(1);
    expect(r.evaluation!.truePairs).toBe(5);
  });
});

describe('comparison vectors', () => {
  it('gives each pair the first matching level, −1 for nulls, 0 for ELSE', async () => {
    const db = await memDb();
    await makeTable(db, 't', [
      { id: 'a', name: 'martha', dob: '19800101' },
      { id: 'b', name: 'martha', dob: '19800110' },
      { id: 'c', name: 'marhta', dob: null },
      { id: 'd', name: 'zed', dob: '19551231' },
      { id: 'e', name: null, dob: '19800101' },
    ]);
    await runLinkage(db, {
      settings: {
        linkType: 'dedupe_only',
        uniqueIdColumn: 'id',
        blockingRules: [],
        comparisons: [
          {
            name: 'name',
            columns: ['name'],
            levels: [
              { label: 'null', labelZh: '缺失', sql: 'l.name IS NULL OR r.name IS NULL', isNull: true },
              { label: 'exact', labelZh: '完全一致', sql: 'l.name = r.name', m: 0.8, u: 0.01 },
              { label: 'jw', labelZh: '相近', sql: 'jaro_winkler_similarity(l.name, r.name) >= 0.9', m: 0.15, u: 0.02 },
              { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.05, u: 0.97 },
            ],
          },
          {
            name: 'dob',
            columns: ['dob'],
            levels: [
              { label: 'null', labelZh: '缺失', sql: 'l.dob IS NULL OR r.dob IS NULL', isNull: true },
              { label: 'exact', labelZh: '完全一致', sql: 'l.dob = r.dob', m: 0.9, u: 0.001 },
              { label: 'one char', labelZh: '相差一个字符', sql: 'damerau_levenshtein(l.dob, r.dob) <= 1', m: 0.05, u: 0.01 },
              { label: 'else', labelZh: '不同', sql: 'ELSE', m: 0.05, u: 0.989 },
            ],
          },
        ],
        probabilityTwoRandomRecordsMatch: 0.01,
        thresholds: { link: 0.9, review: 0.5 },
        em,
      },
      inputTable: 't',
      outputPrefix: 'cv_',
      train: false,
    });
    const v = await queryRows<{ p: string; gn: number; gd: number }>(
      db,
      `SELECT uid_l || uid_r AS p, gamma_name AS gn, gamma_dob AS gd FROM cv_pairs ORDER BY p`,
    );
    const by = Object.fromEntries(v.map((x) => [x.p, [x.gn, x.gd]]));
    expect(Object.keys(by)).toHaveLength(10);
    expect(by.ab).toEqual([2, 1]); // exact name; 19800101 vs 19800110 is one transposition
    expect(by.ac).toEqual([1, -1]); // jaro-winkler level; dob missing
    expect(by.ad).toEqual([0, 0]);
    expect(by.ae).toEqual([-1, 2]);
    expect(by.ad![0]).toBe(0);
    // The explanation rows add up to the match weight.
    const ex = await queryRows<{ ok: boolean; steps: number }>(
      db,
      `SELECT bool_and(abs(e.total - p.match_weight) < 1e-9) AS ok, max(e.steps)::INTEGER AS steps FROM
        (SELECT rid_l, rid_r, sum(weight + tf_weight) AS total, count(*) AS steps FROM cv_match_explanations GROUP BY ALL) e
        JOIN cv_pairs p USING (rid_l, rid_r)`,
    );
    expect(ex[0]).toEqual({ ok: true, steps: 3 });
    const ab = await queryRows<{ comparison: string; level_label: string | null; weight: number }>(
      db,
      `SELECT comparison, level_label, weight FROM cv_match_explanations WHERE uid_l = 'a' AND uid_r = 'b' ORDER BY step`,
    );
    expect(ab.map((x) => [x.comparison, x.level_label])).toEqual([
      ['prior', null],
      ['name', 'exact'],
      ['dob', 'one char'],
    ]);
    expect(ab[1]!.weight).toBeCloseTo(Math.log2(0.8 / 0.01), 9);
  });
});

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('estimation', () => {
  it('EM recovers high m and low u on exact levels without labels, and λ', async () => {
    const db = await memDb();
    const rand = rng(7);
    const pick = (n: number) => Math.floor(rand() * n);
    const rows: Record<string, string | number | null>[] = [];
    const N = 400;
    for (let e = 0; e < N; e++) {
      const person = { name: `n${pick(150)}`, city: `c${pick(20)}`, dob: `d${pick(3000)}`, code: `k${pick(100000)}` };
      rows.push({ id: `a${e}`, src: 'a', truth: e, ...person });
      // The copy: each field corrupted with probability 0.1.
      const noisy = (v: string, alt: string) => (rand() < 0.1 ? alt : v);
      rows.push({
        id: `b${e}`,
        src: 'b',
        truth: e,
        name: noisy(person.name, `n${pick(150)}`),
        city: noisy(person.city, `c${pick(20)}`),
        dob: noisy(person.dob, `d${pick(3000)}`),
        code: noisy(person.code, `k${pick(100000)}`),
      });
    }
    await makeTable(db, 'syn', rows);
    const cmp = (c: string) => ({
      name: c,
      columns: [c],
      levels: [
        { label: 'null', labelZh: '缺失', sql: `l.${c} IS NULL OR r.${c} IS NULL`, isNull: true },
        { label: 'exact', labelZh: '完全一致', sql: `l.${c} = r.${c}` },
        { label: 'else', labelZh: '不同', sql: 'ELSE' },
      ],
    });
    const r = await runLinkage(db, {
      settings: {
        linkType: 'link_only',
        uniqueIdColumn: 'id',
        sourceColumn: 'src',
        blockingRules: ['l.name = r.name', 'l.dob = r.dob', 'l.code = r.code'],
        comparisons: ['name', 'city', 'dob', 'code'].map(cmp),
        thresholds: { link: 0.5, review: 0.2 },
        em: { maxIterations: 100, tolerance: 1e-6, trainingBlockingRules: [] },
        uSampling: { maxPairs: 160000, seed: 1 },
      },
      inputTable: 'syn',
      outputPrefix: 'em_',
      labelsColumn: 'truth',
    });
    for (const c of r.params.comparisons) {
      const exact = c.levels.find((l) => l.label === 'exact')!;
      expect(exact.m!).toBeGreaterThan(0.85);
      expect(exact.m!).toBeLessThan(0.95);
      expect(exact.mSessions).toBeGreaterThanOrEqual(2);
    }
    const u = Object.fromEntries(r.params.comparisons.map((c) => [c.name, c.levels.find((l) => l.label === 'exact')!.u!]));
    expect(u.city).toBeGreaterThan(0.03); // 1/20
    expect(u.city).toBeLessThan(0.07);
    expect(u.name).toBeLessThan(0.02); // 1/150
    expect(u.dob).toBeLessThan(0.004); // 1/3000 plus the 400 true pairs among 160,000 sampled
    expect(r.params.em[0]!.converged).toBe(true);
    // λ ≈ 400 matches / 160,000 pairs.
    expect(r.params.lambda).toBeGreaterThan(0.0025 * 0.8);
    expect(r.params.lambda).toBeLessThan(0.0025 * 1.2);
    expect(r.evaluation!.f1).toBeGreaterThan(0.97);
    expect(JSON.parse(JSON.stringify(r.params))).toEqual(r.params);
    // The trained model, written into the settings, scores the same without training.
    const trained = settingsWithParams(r.settings, r.params);
    await runLinkage(db, { settings: JSON.parse(JSON.stringify(trained)), inputTable: 'syn', outputPrefix: 'em2_', train: false });
    const [d] = await queryRows<{ n: number; maxdiff: number }>(
      db,
      `SELECT count(*)::INTEGER AS n, max(abs(a.match_weight - b.match_weight)) AS maxdiff FROM em_pairs a JOIN em2_pairs b USING (rid_l, rid_r)`,
    );
    expect(d!.n).toBe(r.counts.candidatePairs);
    expect(d!.maxdiff).toBeLessThan(1e-9);
  });

  it("EM samples a session's pairs down to em.maxPairs, the same sample every run, and finds the same m", async () => {
    const db = await memDb();
    const rand = rng(11);
    const pick = (n: number) => Math.floor(rand() * n);
    const rows: Record<string, string | number | null>[] = [];
    for (let e = 0; e < 1500; e++) {
      const person = { name: `n${pick(30)}`, dob: `d${pick(3000)}`, code: `k${pick(100000)}` };
      rows.push({ id: `a${e}`, src: 'a', ...person });
      const noisy = (v: string, alt: string) => (rand() < 0.1 ? alt : v);
      rows.push({ id: `b${e}`, src: 'b', name: person.name, dob: noisy(person.dob, `d${pick(3000)}`), code: noisy(person.code, `k${pick(100000)}`) });
    }
    await makeTable(db, 'emsample', rows);
    const train = async (prefix: string, maxPairs?: number) =>
      (
        await runLinkage(db, {
          settings: {
            linkType: 'link_only',
            uniqueIdColumn: 'id',
            sourceColumn: 'src',
            blockingRules: ['l.dob = r.dob', 'l.code = r.code'],
            comparisons: ['dob', 'code'].map((c) => exactComparison(c, c)),
            thresholds: { link: 0.5, review: 0.2 },
            em: { maxIterations: 100, tolerance: 1e-6, trainingBlockingRules: ['l.name = r.name'], ...(maxPairs ? { maxPairs } : {}) },
            uSampling: { maxPairs: 100000, seed: 1 },
          },
          inputTable: 'emsample',
          outputPrefix: prefix,
        })
      ).params;
    const all = await train('emall_');
    const sampled = await train('ems1_', 8000);
    // About 1500 × 1500 / 30 = 75,000 pairs share a name; the sample keeps about 8,000 of them.
    expect(all.em[0]!.pairs).toBeGreaterThan(60000);
    expect(sampled.em[0]!.pairs).toBeGreaterThan(7000);
    expect(sampled.em[0]!.pairs).toBeLessThan(9000);
    const exactM = (p: typeof all, c: string) => p.comparisons.find((x) => x.name === c)!.levels.find((l) => l.label === 'exact')!.m!;
    for (const c of ['dob', 'code']) expect(Math.abs(exactM(sampled, c) - exactM(all, c))).toBeLessThan(0.03);
    expect(await train('ems2_', 8000)).toEqual(sampled);
  });

  it('term-frequency adjustment makes a common name weaker evidence than a rare one', async () => {
    const db = await memDb();
    const rows = [];
    for (let i = 0; i < 40; i++) rows.push({ id: `w${i}`, name: 'wang' });
    rows.push({ id: 'z1', name: 'zhuge' }, { id: 'z2', name: 'zhuge' });
    for (let i = 0; i < 58; i++) rows.push({ id: `o${i}`, name: `other${i}` });
    await makeTable(db, 'tf', rows);
    await runLinkage(db, {
      settings: {
        linkType: 'dedupe_only',
        uniqueIdColumn: 'id',
        blockingRules: ['l.name = r.name'],
        comparisons: [exactComparison('name', 'name', 0.9, 0.02, true)],
        probabilityTwoRandomRecordsMatch: 0.01,
        thresholds: { link: 0.5, review: 0.2 },
        em,
      },
      inputTable: 'tf',
      outputPrefix: 'tf_',
      train: false,
    });
    const w = await queryRows<{ n: string; w: number; tfw: number }>(
      db,
      `SELECT l.name AS n, max(p.match_weight) AS w, max(p.tfw_name) AS tfw FROM tf_pairs p JOIN tf_nodes l ON l.__rid = p.rid_l GROUP BY 1 ORDER BY 1`,
    );
    const wang = w.find((x) => x.n === 'wang')!;
    const zhuge = w.find((x) => x.n === 'zhuge')!;
    // u_tf(wang) = 0.4, u_tf(zhuge) = 0.02; the adjustment is log2(u / u_tf).
    expect(wang.tfw).toBeCloseTo(Math.log2(0.02 / 0.4), 9);
    expect(zhuge.tfw).toBeCloseTo(0, 9);
    expect(wang.w).toBeLessThan(zhuge.w);
  });
});
