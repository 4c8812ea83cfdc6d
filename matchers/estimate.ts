// Estimation of u, m and λ: the loops (EM iterations, λ iterations) and the parameter updates stay in
// JavaScript; every statement comes from sql-train.ts and runs through the stage runner.
import { M_FLOOR, type TrainedParams } from './params.js';
import type { BlockingRule, LinkageSettings } from './settings.js';
import { countStage, dropStage, ruleLabel, ruleUsesComparison, type TableNames } from './sql.js';
import { emIterationStage, emPairsSampleStage, emPairsStage, emLevelColumn, emNonNullColumn, emPatternsStage, lambdaIterationStage, uCountColumn, uCountsStage, uSampleStage } from './sql-train.js';
import type { StageRunner } from './stage.js';

/** The seed of every hash sample of the estimation (the u sample's records, an EM session's pairs). */
const samplingSeed = (s: LinkageSettings) => s.uSampling?.seed ?? 42;

/** u from random record pairs: a hash-based (deterministic) record sample, all allowed pairs within it. */
export async function estimateU(runner: StageRunner, s: LinkageSettings, T: TableNames, params: TrainedParams): Promise<void> {
  const need = params.comparisons.some((c) => c.levels.some((l) => l.index >= 0 && l.u == null));
  if (!need) return;
  const maxPairs = s.uSampling?.maxPairs ?? 1_000_000;
  const seed = samplingSeed(s);
  const fraction = Math.min(1, Math.sqrt(maxPairs / Math.max(1, params.totalPairs)));
  const cut = Math.floor(fraction * 1_000_000);
  await runner.run(uSampleStage(T, seed, cut));
  const row = await runner.one<Record<string, number>>(uCountsStage(s, T));
  await runner.run(dropStage('u_sample_drop', T.uSample));
  params.uSample = { pairs: row.__n!, fraction, seed };
  s.comparisons.forEach((_c, ci) => {
    const levels = params.comparisons[ci]!.levels;
    const nonNull = levels.filter((l) => l.index >= 0);
    const total = nonNull.reduce((a, l) => a + (row[uCountColumn(ci, l.index)] ?? 0), 0);
    for (const l of nonNull) {
      if (l.u != null) continue; // given in settings
      const n = row[uCountColumn(ci, l.index)] ?? 0;
      // Never 0: a level absent from the sample gets half a pair's worth.
      l.u = total > 0 ? Math.max(n, 0.5) / (total + 0.5) : 1 / nonNull.length;
    }
  });
}

/**
 * m by expectation-maximisation with u fixed: one session per training rule over the pairs that rule
 * produces; comparisons whose columns the rule uses are left out of that session. m = mean over sessions.
 * Without training rules the blocking rules serve (one session each); with neither, one session over all
 * pairs. (One session over the union of blocked candidates would be biased: its non-matches share blocking
 * keys, so they are neither random pairs nor conditionally independent.)
 */
export async function estimateM(runner: StageRunner, s: LinkageSettings, T: TableNames, params: TrainedParams): Promise<void> {
  const sessions: (BlockingRule | null)[] = s.em.trainingBlockingRules.length
    ? s.em.trainingBlockingRules
    : s.blockingRules.length
      ? s.blockingRules
      : [null];
  const sums = params.comparisons.map((c) => c.levels.map(() => 0));
  const alpha = s.em.mPriorPairs ?? 0;
  const priorM = params.comparisons.map((c) => c.levels.map((l) => l.m ?? 0));
  for (const rule of sessions) {
    const active = s.comparisons.map((c, i) => ({ c, i })).filter(({ c }) => rule == null || !ruleUsesComparison(rule, c));
    if (!active.length) continue;
    if (rule != null) {
      await runner.run(emPairsStage(s, T, rule));
      const { n } = await runner.one<{ n: number }>(countStage('em_pairs_count', T.emPairs));
      if (n > s.em.maxPairs) await runner.run(emPairsSampleStage(T, n, s.em.maxPairs, samplingSeed(s)));
    }
    await runner.run(emPatternsStage(s, T, rule));
    const local: TrainedParams = JSON.parse(JSON.stringify(params));
    let lambda = 0.3;
    let iterations = 0;
    let converged = false;
    let pairs = 0;
    for (; iterations < s.em.maxIterations && !converged; ) {
      iterations++;
      const row = await runner.one<Record<string, number | null>>(emIterationStage(T, active, local, lambda));
      // Maximisation: λ and every trained m from the expected matches (with mPriorPairs pseudo-pairs of the prior m).
      pairs = row.__sn ?? 0;
      let delta = 0;
      const newLambda = Math.min(Math.max((row.__sp ?? 0) / Math.max(pairs, 1), 1e-9), 1 - 1e-9);
      delta = Math.abs(newLambda - lambda);
      lambda = newLambda;
      for (const { i } of active) {
        const nn = row[emNonNullColumn(i)] ?? 0;
        if (!(nn > 0)) continue;
        local.comparisons[i]!.levels.forEach((l, li) => {
          if (l.index < 0 || s.comparisons[i]!.levels[li]!.fixed) return;
          const m = Math.max(((row[emLevelColumn(i, l.index)] ?? 0) + alpha * priorM[i]![li]!) / (nn + alpha), M_FLOOR);
          delta = Math.max(delta, Math.abs(m - l.m!));
          l.m = m;
        });
      }
      converged = delta < s.em.tolerance;
    }
    for (const { i } of active)
      local.comparisons[i]!.levels.forEach((l, li) => {
        if (l.index >= 0) sums[i]![li]! += l.m!;
      });
    for (const { i } of active) for (const l of params.comparisons[i]!.levels) l.mSessions++;
    params.em.push({ rule: rule == null ? null : ruleLabel(rule), pairs, trained: active.map(({ c }) => c.name), iterations, converged, lambda });
  }
  params.comparisons.forEach((c, ci) =>
    c.levels.forEach((l, li) => {
      if (l.index >= 0 && l.mSessions > 0 && !s.comparisons[ci]!.levels[li]!.fixed) l.m = sums[ci]![li]! / l.mSessions;
    }),
  );
  await runner.run(dropStage('em_patterns_drop', T.emPatterns, T.emPairs));
}

/**
 * λ over all record pairs: EM on λ alone with m and u fixed, treating pairs outside the candidates as
 * certain non-matches: λ ← Σ posterior(candidates) / (all pairs).
 */
export async function estimateLambda(runner: StageRunner, s: LinkageSettings, T: TableNames, params: TrainedParams, totalPairs: number): Promise<void> {
  let lambda = params.lambda;
  for (let it = 0; it < 200; it++) {
    const { sp } = await runner.one<{ sp: number | null }>(lambdaIterationStage(s, T, params, lambda));
    const next = Math.min(Math.max((sp ?? 0) / totalPairs, 1e-12), 0.5);
    const done = Math.abs(next - lambda) <= 1e-7 * lambda;
    lambda = next;
    if (done) break;
  }
  params.lambda = lambda;
}
