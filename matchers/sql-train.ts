// SQL generation, part 2: the statements that estimate the model (u from random pairs, m by EM, λ).
// Pure: each function returns a Stage; estimate.ts runs them and updates the parameters.
import { num, gammaCol, posterior, rulePairsSql, vectorsSelect, weightCase, type TableNames } from './sql.js';
import { logit2, type TrainedParams } from './params.js';
import { levelIndices, type BlockingRule, type ComparisonSettings, type LinkageSettings } from './settings.js';
import type { Stage } from './stage.js';

/**
 * The record sample u is estimated on: records whose hash (with `seed`) falls under `cut` of 1 000 000.
 * Materialised: inlined, the planner may join the whole table with itself before sampling.
 */
export function uSampleStage(T: TableNames, seed: number, cut: number): Stage {
  return {
    name: 'u_sample',
    outputTable: T.uSample,
    sql: `CREATE OR REPLACE TEMP TABLE ${T.uSample} AS SELECT * FROM ${T.nodes} WHERE hash(__rid, ${seed}::INTEGER) % 1000000 < ${cut}`,
  };
}

/** Column of uCountsStage's row holding the number of sampled pairs at level `k` of comparison `ci`. */
export const uCountColumn = (ci: number, k: number) => `c${ci}_${k}`;

/** Over every allowed pair of the sample: the number of pairs (__n) and, per comparison and level, the pairs at that level. */
export function uCountsStage(s: LinkageSettings, T: TableNames): Stage {
  const pairs = `(${rulePairsSql(s, T.uSample, 'TRUE')})`;
  const counts = s.comparisons.flatMap((c, ci) =>
    levelIndices(c)
      .filter((k) => k >= 0)
      .map((k) => `count(*) FILTER (WHERE ${gammaCol(c)} = ${k})::DOUBLE AS "${uCountColumn(ci, k)}"`),
  );
  return { name: 'u_counts', sql: `WITH v AS (${vectorsSelect(s, T.uSample, pairs, false)}) SELECT count(*)::DOUBLE AS __n, ${counts.join(', ')} FROM v` };
}

/** One EM session's pairs (rid_l, rid_r, match_key): those the training rule produces. */
export function emPairsStage(s: LinkageSettings, T: TableNames, rule: BlockingRule): Stage {
  return { name: 'em_pairs', outputTable: T.emPairs, sql: `CREATE OR REPLACE TEMP TABLE ${T.emPairs} AS ${rulePairsSql(s, T.nodes, rule)}` };
}

/**
 * The session's pairs sampled down to about `maxPairs` of their `n` (a hash of the pair under `cut` of 1 000 000).
 * Materialised, the sample's size is known to the planner, which then builds its joins with the records on the
 * pairs and not on every record.
 */
export function emPairsSampleStage(T: TableNames, n: number, maxPairs: number, seed: number): Stage {
  const cut = Math.ceil((maxPairs / n) * 1_000_000);
  return {
    name: 'em_pairs_sample',
    outputTable: T.emPairs,
    sql: `CREATE OR REPLACE TEMP TABLE ${T.emPairs} AS SELECT * FROM ${T.emPairs} WHERE hash(rid_l, rid_r, ${seed}::INTEGER) % 1000000 < ${cut}`,
  };
}

/**
 * One EM session's data: the distinct comparison-vector patterns (and their counts) of the session's pairs
 * (emPairsStage), or of every candidate when there is no training rule.
 */
export function emPatternsStage(s: LinkageSettings, T: TableNames, rule: BlockingRule | null): Stage {
  const source = rule == null ? T.vectors : `(${vectorsSelect(s, T.nodes, T.emPairs, false)})`;
  const gcols = s.comparisons.map(gammaCol).join(', ');
  return { name: 'em_patterns', outputTable: T.emPatterns, sql: `CREATE OR REPLACE TEMP TABLE ${T.emPatterns} AS SELECT ${gcols}, count(*)::DOUBLE AS n FROM ${source} GROUP BY ALL` };
}

/** Column of emIterationStage's row holding Σ posterior at level `k` of comparison `ci` (`nn{ci}`: at any non-null level). */
export const emLevelColumn = (ci: number, k: number) => `m${ci}_${k}`;
export const emNonNullColumn = (ci: number) => `nn${ci}`;

/**
 * One EM iteration's expectation step over the session's patterns, with the current λ and m, u of `local`
 * (comparisons not in `active` are left out): Σ posterior (__sp), the pairs (__sn), and per active
 * comparison the expected matches at each level.
 */
export function emIterationStage(T: TableNames, active: { c: ComparisonSettings; i: number }[], local: TrainedParams, lambda: number): Stage {
  const logOdds = [num(logit2(lambda)), ...active.map(({ c, i }) => weightCase(c, local.comparisons[i]!.levels))].join(' + ');
  const aggs = active.flatMap(({ c, i }) => [
    `sum(n * p) FILTER (WHERE ${gammaCol(c)} >= 0) AS "${emNonNullColumn(i)}"`,
    ...local.comparisons[i]!.levels
      .filter((l) => l.index >= 0)
      .map((l) => `sum(n * p) FILTER (WHERE ${gammaCol(c)} = ${l.index}) AS "${emLevelColumn(i, l.index)}"`),
  ]);
  return {
    name: 'em_iteration',
    sql: `WITH w AS (SELECT *, ${posterior(logOdds)} AS p FROM ${T.emPatterns}) SELECT sum(n * p) AS __sp, sum(n) AS __sn, ${aggs.join(', ')} FROM w`,
  };
}

/**
 * One iteration of λ over all record pairs, m and u fixed: Σ posterior (sp) of the candidates with prior λ.
 * Pairs outside the candidates count as certain non-matches (the caller divides by all pairs).
 */
export function lambdaIterationStage(s: LinkageSettings, T: TableNames, params: TrainedParams, lambda: number): Stage {
  const gcols = s.comparisons.map(gammaCol).join(', ');
  const bf = s.comparisons.map((c, i) => weightCase(c, params.comparisons[i]!.levels)).join(' + ');
  const pat = `(SELECT ${gcols}, count(*)::DOUBLE AS n, ${bf} AS w FROM ${T.vectors} GROUP BY ALL)`;
  return { name: 'lambda_iteration', sql: `SELECT sum(n * ${posterior(`w + ${num(logit2(lambda))}`)}) AS sp FROM ${pat}` };
}
